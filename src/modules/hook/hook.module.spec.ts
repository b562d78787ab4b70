import { AuthSettings } from '../auth/auth-settings';
import { HookSigningKey } from './hook-settings';
import { hookSettingsFrom } from './hook.module';

describe('the key hook calls are signed with', () => {
  it('is the master key with authentication on, empty with it off', () => {
    expect(hookSettingsFrom(new AuthSettings(true, 'master-key')).secret).toBe('master-key');
    expect(hookSettingsFrom(new AuthSettings(false, 'master-key')).secret).toBe('');
    expect(hookSettingsFrom(undefined).secret).toBe('');
  });

  it('is a HookSigningKey when the process provides one (workers)', () => {
    expect(hookSettingsFrom(undefined, new HookSigningKey('worker-key')).secret).toBe('worker-key');
    expect(hookSettingsFrom(new AuthSettings(true, 'm'), new HookSigningKey('k')).secret).toBe('k');
  });
});

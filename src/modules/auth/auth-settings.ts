/** How requests are authenticated: `secure` off means no key is asked for (explicit opt-out). */
export class AuthSettings {
  constructor(
    readonly secure: boolean,
    readonly masterKey: string,
  ) {}
}

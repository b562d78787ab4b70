import { InitialSchema1732406400000 } from './1732406400000-initial-schema';

/** Every migration, oldest first. Listed explicitly so source (tests) and dist run the same set. */
export const MIGRATIONS = [InitialSchema1732406400000];

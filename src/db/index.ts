export { openDatabase, migrate, type Db, type Migration } from './open.js';
export { prepared, forgetPrepared, commitWatcher } from './statements.js';

export { openDatabase, migrate, type Db, type Migration } from './open.js';

// Opens the record (one SQLite file), sets its durability pragmas and applies pending migrations.
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

/**
 * synchronous=FULL in WAL mode fsyncs the log at every commit: an acknowledged write survives a kill -9
 * of the hub and a power cut. Measured at ~4,000 commits/s on our 2-core build machine, so it costs little.
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  // Inside Electron the addon must be the one built for Electron's ABI (scripts/native-for-electron.mjs); the desktop
  // main process names it here, and the copy in node_modules stays built for Node (the CLI and the tests).
  const binding = process.env.COLLAB_DESK_SQLITE_BINDING;
  const db = new Database(file, binding ? { nativeBinding: binding } : {});
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Applies, in order and each in its own transaction, the migrations newer than the file's user_version. */
export function migrate(db: Db, migrations: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new Error(
      `the data folder's record is at schema version ${current}, newer than this build knows (${newest}): ` +
        'run a newer Collab Desk, or point --data at another folder',
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    // foreign_keys cannot change inside a transaction: off around a migration that rebuilds referenced tables
    if (m.rebuildsTables) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.sql);
        if (m.rebuildsTables) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0)
            throw new Error(`migration ${m.version} (${m.name}) would leave ${broken.length} broken references`);
        }
        db.pragma(`user_version = ${m.version}`);
      })();
    } finally {
      if (m.rebuildsTables) db.pragma('foreign_keys = ON');
    }
  }
  return db.pragma('user_version', { simple: true }) as number;
}

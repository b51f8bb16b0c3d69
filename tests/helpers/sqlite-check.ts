// Reads a hub's record directly, as an outside tool would: SQLite's own integrity check of the file.
import Database from 'better-sqlite3';

export function integrityCheck(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

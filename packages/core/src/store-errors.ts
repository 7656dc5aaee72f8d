import type { DatabaseConnection, Dialect, Driver } from 'kysely';
import { DepictError } from '@depict/contract';

/**
 * The job store failing as a whole, as opposed to a query being wrong: it cannot be
 * reached or did not answer in time (`unavailable`), or its disk is full (`full`). Both
 * pass with time, so a server answers 503 or 507 with Retry-After and a worker waits and
 * tries again; neither is the job's fault, and neither ends a process.
 */
export type StoreFault = 'unavailable' | 'full';

/** How long a client is asked to wait before trying again. */
export const STORE_RETRY_AFTER_S = 5;

/** Node's errors for a connection that failed, was refused, or went silent. */
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const DISK_ERRNOS = new Set(['ENOSPC', 'EDQUOT']);

/** node-postgres' own messages for a connection that is gone or did not answer. */
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Connection ended unexpectedly',
];

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 53 (insufficient resources;
 * 53100 is disk full), 57P01-57P03 (the server shutting down or starting), and 57014 (a
 * statement cancelled, which statement_timeout does).
 */
function pgFault(code: string): StoreFault | undefined {
  if (code === '53100') return 'full';
  if (code.startsWith('08') || code.startsWith('53') || code === '57014' || /^57P0[123]$/.test(code)) return 'unavailable';
  return undefined;
}

/** better-sqlite3's codes: a full disk, and a database that is locked past busy_timeout or cannot be read or written. */
function sqliteFault(code: string): StoreFault | undefined {
  if (code === 'SQLITE_FULL') return 'full';
  if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|READONLY|PROTOCOL)/.test(code)) return 'unavailable';
  return undefined;
}

/** Whether `err` is the store failing as a whole, and how; undefined for any other error. */
export function storeFaultOf(err: unknown): StoreFault | undefined {
  if (err instanceof DepictError) return err.code === 'store_unavailable' ? 'unavailable' : err.code === 'insufficient_storage' ? 'full' : undefined;
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (DISK_ERRNOS.has(code)) return 'full';
    if (CONNECTION_ERRNOS.has(code)) return 'unavailable';
    const fault = code.startsWith('SQLITE_') ? sqliteFault(code) : /^[0-9A-Z]{5}$/.test(code) ? pgFault(code) : undefined;
    if (fault) return fault;
  }
  if (PG_CONNECTION_MESSAGES.some((m) => err.message.startsWith(m))) return 'unavailable';
  return err.cause === undefined ? undefined : storeFaultOf(err.cause);
}

/** Whether `err` is a store fault, already in its client-facing form. */
export const isStoreFault = (err: unknown): err is DepictError => err instanceof DepictError && storeFaultOf(err) !== undefined;

/** A store fault as the error clients see (503 store_unavailable or 507 insufficient_storage); any other error as it is. */
export function asStoreError(err: unknown): unknown {
  const fault = storeFaultOf(err);
  if (fault === undefined || err instanceof DepictError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return fault === 'full'
    ? new DepictError('insufficient_storage', `The server's storage is full (${detail}); nothing was stored. Try again later.`, {
        cause: err,
        retryAfterS: STORE_RETRY_AFTER_S,
      })
    : new DepictError('store_unavailable', `The job store is not answering (${detail}); nothing was stored. Try again shortly.`, {
        cause: err,
        retryAfterS: STORE_RETRY_AFTER_S,
      });
}

/**
 * A write to local disk that failed because the disk is full, as clients see it (507);
 * any other error as it is. For files, where a reset or refused connection is the
 * client's, not the store's.
 */
export function asDiskError(err: unknown): unknown {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && DISK_ERRNOS.has(code) ? asStoreError(err) : err;
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asStoreError(err);
  }
}

/**
 * The connection with its queries' store faults translated; every other member is the
 * connection's own, bound to it (kysely's drivers keep private fields on it).
 */
function mappingConnection(connection: DatabaseConnection): DatabaseConnection {
  return new Proxy(connection, {
    get(target, key) {
      if (key === 'executeQuery') return ((...args: Parameters<DatabaseConnection['executeQuery']>) => mapped(() => target.executeQuery(...args))) as DatabaseConnection['executeQuery'];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * A kysely dialect whose every query, connection and transaction reports store faults as
 * DepictErrors (asStoreError): the one place they are recognised, for the job store, its
 * migrations and the uploads kept in it alike.
 */
export function mappingStoreFaults(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: (): Driver => {
      const driver = dialect.createDriver();
      const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const inner = (connection: DatabaseConnection) => wrapped.get(connection) ?? connection;
      return {
        init: (options) => mapped(() => driver.init(options)),
        acquireConnection: async (options) => {
          const connection = await mapped(() => driver.acquireConnection(options));
          const outer = mappingConnection(connection);
          wrapped.set(outer, connection);
          return outer;
        },
        beginTransaction: (connection, settings) => mapped(() => driver.beginTransaction(inner(connection), settings)),
        commitTransaction: (connection) => mapped(() => driver.commitTransaction(inner(connection))),
        rollbackTransaction: async (connection) => {
          try {
            await driver.rollbackTransaction(inner(connection));
          } catch (err) {
            // SQLite rolls a transaction back itself on some errors (SQLITE_FULL among them);
            // the rollback's own complaint would then hide the error that caused it.
            if (err instanceof Error && err.message.includes('no transaction is active')) return;
            throw asStoreError(err);
          }
        },
        releaseConnection: (connection, options) => driver.releaseConnection(inner(connection), options),
        destroy: (options) => driver.destroy(options),
        ...(driver.savepoint && { savepoint: (c, name, compile) => mapped(() => driver.savepoint!(inner(c), name, compile)) }),
        ...(driver.rollbackToSavepoint && {
          rollbackToSavepoint: (c, name, compile) => mapped(() => driver.rollbackToSavepoint!(inner(c), name, compile)),
        }),
        ...(driver.releaseSavepoint && { releaseSavepoint: (c, name, compile) => mapped(() => driver.releaseSavepoint!(inner(c), name, compile)) }),
      };
    },
  };
}

import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { notFound, UserError } from '../report/errors.js';

/** What a path is, for a plain message: "a named pipe (FIFO)". */
export function kindOf(info: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Read a file as UTF-8 text, only if it is a regular file. The file is opened
 * without blocking and judged by the open descriptor, so a named pipe, a
 * socket or a device never makes a command wait (nor a file swapped for one
 * between a check and the read).
 */
export async function readRegularFile(path: string): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(path, 'Check the path; a values file is usually apps/<name>/values.yaml.');
    if (code === 'EACCES' || code === 'EPERM') throw new UserError(`${path}: no permission to read it`);
    if (code === 'ENXIO') throw new UserError(`${path} is a socket, not a regular file; paddock reads only regular files`, 'Give the path of a YAML file.');
    throw new UserError(`${path}: cannot read it (${code ?? 'unknown error'})`);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new UserError(`${path} is a folder, not a file`, `Did you mean ${path.replace(/\/$/, '')}/values.yaml?`);
    if (!info.isFile())
      throw new UserError(`${path} is ${kindOf(info)}, not a regular file; paddock reads only regular files`, 'Give the path of a YAML file.');
    return await handle.readFile('utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  } finally {
    await handle.close();
  }
}

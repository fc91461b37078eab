import { execFile } from 'node:child_process';

export const helper = execFile;

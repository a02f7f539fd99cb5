// Where AWS's own service models come from: botocore's data folder, installed with Python. It is
// located by one python call (unless GITOPS_BOTOCORE_DATA names the folder), and the answer is
// kept in ~/.cache/gitops/botocore-data-dir: starting python through a version manager's shim can
// take most of a second, once per test worker otherwise. Each service's model is read on its
// first request: EC2's alone is 7 MB of JSON, and most tests never call EC2.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ServiceModel } from './model-types.js';

/** botocore's folder names for the services the emulator models. */
export const BOTOCORE_SERVICES = ['eks', 'ec2', 'iam', 'ecr', 'sts', 'service-quotas', 's3'] as const;
export type BotocoreService = (typeof BOTOCORE_SERVICES)[number];

let dataDir: string | undefined;
const models = new Map<string, ServiceModel>();

const CACHE_FILE = join(homedir(), '.cache', 'gitops', 'botocore-data-dir');

function fromCache(): string | undefined {
  try {
    const dir = readFileSync(CACHE_FILE, 'utf8').trim();
    return newestModelFile(dir, 'eks') !== undefined ? dir : undefined;
  } catch {
    return undefined;
  }
}

function remember(dir: string): void {
  try {
    mkdirSync(dirname(CACHE_FILE), { recursive: true });
    writeFileSync(CACHE_FILE, `${dir}\n`);
  } catch {
    // Only a speed-up: a read-only home is fine.
  }
}

function fromPython(): string {
  // find_spec locates the package without importing it (importing botocore costs ~100 ms more).
  const out = execFileSync(
    'python3',
    [
      '-c',
      'import importlib.util as u; s = u.find_spec("botocore"); print(s.submodule_search_locations[0] if s else "")',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 },
  ).trim();
  if (out === '') throw new Error('python3 has no botocore package');
  return join(out, 'data');
}

/**
 * The botocore data folder, checked to hold every modelled service. Throws one line saying what
 * is missing: an emulator that cannot validate must not start and quietly accept everything.
 */
export function locateModels(): string {
  if (dataDir !== undefined) return dataDir;
  let dir: string;
  const configured = process.env.GITOPS_BOTOCORE_DATA;
  try {
    dir = configured !== undefined && configured !== '' ? configured : (fromCache() ?? fromPython());
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new Error(
      `aws-emulator: AWS's service models were not found (${why}); install botocore for python3 (pip install botocore) or set GITOPS_BOTOCORE_DATA to botocore's data folder`,
    );
  }
  const missing = BOTOCORE_SERVICES.filter((s) => newestModelFile(dir, s) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `aws-emulator: no service-2.json.gz for ${missing.join(', ')} under ${dir}; install a botocore with these models (1.43 is known to work) or set GITOPS_BOTOCORE_DATA`,
    );
  }
  if (configured === undefined || configured === '') remember(dir);
  dataDir = dir;
  return dir;
}

/** The newest API version's model file (folders are dates, so they sort). */
function newestModelFile(dir: string, service: string): string | undefined {
  const serviceDir = join(dir, service);
  if (!existsSync(serviceDir)) return undefined;
  const versions = readdirSync(serviceDir).sort().reverse();
  for (const v of versions) {
    const file = join(serviceDir, v, 'service-2.json.gz');
    if (existsSync(file)) return file;
  }
  return undefined;
}

export function loadModel(service: BotocoreService): ServiceModel {
  const cached = models.get(service);
  if (cached) return cached;
  const file = newestModelFile(locateModels(), service);
  if (file === undefined) throw new Error(`aws-emulator: the ${service} model disappeared`);
  const model = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as ServiceModel;
  models.set(service, model);
  return model;
}

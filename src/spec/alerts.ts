/**
 * Where the reconciler's alerts go: the provider type comes from the spec (`alerts.provider`,
 * `--alerts`), the address (and, for generic-hmac, the signing token) from the environment, read
 * by the CLI and passed down. Both are secrets: a webhook URL is a credential for whoever holds
 * it. They are checked here, before anything is created, and never printed, not even when wrong.
 */
import { userError } from '../primitives/errors.js';
import type { AlertProviderType, AlertsSpec } from './schema.js';

export const ALERTS_ADDRESS_ENV = 'GITOPS_ALERTS_ADDRESS';
export const ALERTS_TOKEN_ENV = 'GITOPS_ALERTS_TOKEN';

/** What the secret in the cluster holds: the destination, and the HMAC key for generic-hmac. */
export interface AlertsDestination {
  provider: AlertProviderType;
  address: string;
  token?: string;
}

/** The values as the environment gave them (undefined when unset). */
export interface AlertsSecrets {
  address?: string | undefined;
  token?: string | undefined;
}

/** Flux's Provider address field holds at most 2048 characters; the Secret's key is read the same way. */
const MAX_ADDRESS = 2048;

export function alertsDestination(
  alerts: AlertsSpec | undefined,
  secrets: AlertsSecrets,
): AlertsDestination | undefined {
  if (alerts === undefined) return undefined;
  const { provider } = alerts;
  const address = secrets.address?.trim() ?? '';
  if (address === '') {
    throw userError('GITOPS_BAD_INPUT', `--alerts ${provider}: ${ALERTS_ADDRESS_ENV} is not set`, {
      hint: `export ${ALERTS_ADDRESS_ENV}=<the webhook URL>; it is stored in the cluster as a Secret, never in Git`,
    });
  }
  if (address.length > MAX_ADDRESS || /\s/.test(address) || !isHttpUrl(address)) {
    // The value is not shown: it is the secret.
    throw userError(
      'GITOPS_BAD_INPUT',
      `${ALERTS_ADDRESS_ENV}: not an http:// or https:// URL of at most ${MAX_ADDRESS} characters (value not shown)`,
    );
  }
  const token = secrets.token?.trim() ?? '';
  if (provider === 'generic-hmac' && token === '') {
    throw userError('GITOPS_BAD_INPUT', `--alerts generic-hmac: ${ALERTS_TOKEN_ENV} is not set`, {
      hint: `export ${ALERTS_TOKEN_ENV}=<the key the receiver checks the X-Signature HMAC with>`,
    });
  }
  // Other types have no use for a token: it is not handed over.
  return { provider, address, ...(provider === 'generic-hmac' ? { token } : {}) };
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

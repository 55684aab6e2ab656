/**
 * How an app's credentials read on its page: which live secret is the older one during a
 * rotation, short ids people can match with the CLI's, and when adding another is not possible.
 * The limits are the server's (proto AppService: AddAppSecret, AddAppKey), which also enforces
 * them; the page uses them to explain a disabled button instead of offering a refusal.
 */

/** At most two live secrets per app: the one in use and the one replacing it. */
export const MAX_LIVE_SECRETS = 2;
/** At most five public keys per app. */
export const MAX_APP_KEYS = 5;

/** "…1a2b3c4d": the end of a UUIDv7 (its start is a timestamp, alike for ids made together). */
export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

export type SecretAge = "only" | "older" | "newer";

/** The live secrets, oldest first (as App.secrets lists them), each told apart from the other. */
export function secretRows<S extends { readonly secretId: string }>(secrets: readonly S[]): { secret: S; shortId: string; age: SecretAge }[] {
  return secrets.map((secret, i) => ({
    secret,
    shortId: shortId(secret.secretId),
    age: secrets.length === 1 ? "only" : i === secrets.length - 1 ? "newer" : "older",
  }));
}

/** The "add a secret" button: its words, and why it is disabled when it is. */
export function addSecretAction(liveSecrets: number): { label: string; disabledBecause?: string } {
  if (liveSecrets >= MAX_LIVE_SECRETS) {
    return {
      label: "Add a second secret",
      disabledBecause: `The app already has ${MAX_LIVE_SECRETS} live secrets, the most it may have. Revoke the one no longer in use to add another.`,
    };
  }
  return { label: liveSecrets === 0 ? "Add a secret" : "Add a second secret" };
}

/** The "add a key" button's reason to be disabled, if any. */
export function addKeyDisabledBecause(keys: number): string | undefined {
  return keys >= MAX_APP_KEYS ? `The app already has ${MAX_APP_KEYS} keys, the most it may have. Remove one to add another.` : undefined;
}

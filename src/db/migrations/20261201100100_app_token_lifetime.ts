import type { Knex } from "knex";

// Per-app token lifetime: null means TOKEN_TTL_SECONDS; otherwise 60 s to 24 h, held by the
// database too. A signing key now stays published for 24 h (the longest lifetime an app may have)
// after it stops signing (src/domain/signing-keys.ts); keys retired earlier were given one
// TOKEN_TTL_SECONDS, so those still published are extended to the same bound, in case one signs
// a long-lived token before its retirement comes.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("apps", (t) => {
    t.integer("token_lifetime_seconds").nullable();
  });
  await knex.raw(
    `ALTER TABLE apps ADD CONSTRAINT apps_token_lifetime_range
       CHECK (token_lifetime_seconds IS NULL OR token_lifetime_seconds BETWEEN 60 AND 86400)`,
  );
  await knex.raw(
    `UPDATE signing_keys SET expire_time = retire_time + interval '86400 seconds'
      WHERE retire_time IS NOT NULL AND expire_time IS NOT NULL AND expire_time > now()
        AND expire_time < retire_time + interval '86400 seconds'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("apps", (t) => {
    t.dropChecks(["apps_token_lifetime_range"]);
    t.dropColumn("token_lifetime_seconds");
  });
}

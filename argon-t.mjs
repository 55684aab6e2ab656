import argon2 from "argon2";
const opts = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const rss = () => Math.round(process.memoryUsage().rss / 2**20);
const h = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5kNKsHOVgnWnBSGn0XWOFo6cHPN0ndM9x8Lo3Nm9h6w";
const warm = Number(process.argv[2] ?? 0);
await Promise.all(Array.from({ length: warm }, () => argon2.hash("w", opts)));
const out = [];
for (let i = 0; i < 10; i++) { const t = performance.now(); await argon2.verify(h, "y"); out.push(Math.round(performance.now() - t)); await new Promise(r => setTimeout(r, 5)); }
console.log(process.argv[2], process.env.MALLOC_ARENA_MAX ?? "-", process.env.UV_THREADPOOL_SIZE ?? "-", "slow:", out.filter(x => x > 50).length, "rss", rss());

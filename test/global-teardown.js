export default async function globalTeardown() {
  await globalThis.__COUNTERSIGN_PG__?.stop();
}

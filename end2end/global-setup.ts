// cargo-leptos starts the server and the tests at the same moment: wait until it answers.
export default async function globalSetup() {
  const url = (process.env.REGISTRAR_E2E_URL ?? "http://127.0.0.1:3000") + "/healthz";
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Registrar did not answer at ${url} within 180 s`);
}

// Solves a proof-of-work puzzle in ALTCHA's format off the page's thread: find n in
// 0..maxnumber with SHA-256(salt + n) = challenge (hex). Posts back { number } (null: none found).
self.onmessage = async (event) => {
  const { challenge, salt, maxnumber } = event.data;
  const encoder = new TextEncoder();
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
  for (let n = 0; n <= maxnumber; n++) {
    if (hex(await crypto.subtle.digest('SHA-256', encoder.encode(`${salt}${n}`))) === challenge) {
      self.postMessage({ number: n });
      return;
    }
  }
  self.postMessage({ number: null });
};

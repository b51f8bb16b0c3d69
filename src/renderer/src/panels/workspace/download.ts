// Saving a workspace file to the person's disk from the page: a blob the page already holds, or a same-origin link.

function clickDownload(name: string, href: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

/** Saves bytes the page fetched; the blob URL is let go once the browser has had time to start the download. */
export function saveBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  clickDownload(name, url);
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Lets the browser stream a large file straight to disk (workspace reads need no token, so the URL carries none). */
export function saveFromHub(name: string, url: string): void {
  clickDownload(name, url);
}

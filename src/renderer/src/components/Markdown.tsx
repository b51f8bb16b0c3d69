// Markdown from agents, rendered safely: no raw HTML, no script URLs, links leave the app for the system browser.
import ReactMarkdown, { defaultUrlTransform } from 'react-markdown';
import remarkGfm from 'remark-gfm';

const SAFE_URL = /^(https?:|mailto:|#|\/)/i;

/** Agents write untrusted text: HTML is dropped (not escaped into view), and only web, mail and in-app links survive. */
function safeUrl(url: string): string {
  const checked = defaultUrlTransform(url);
  return SAFE_URL.test(checked) ? checked : '';
}

export function Markdown({ text, className }: { text: string; className?: string }) {
  return (
    <div className={className ? `markdown ${className}` : 'markdown'}>
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        skipHtml
        urlTransform={safeUrl}
        components={{
          // Web and mail links leave for the system browser; in-app links (#/…, /…) navigate in place.
          a: ({ href, children }) =>
            /^(https?:|mailto:)/i.test(href ?? '') ? (
              <a href={href} target="_blank" rel="noreferrer noopener">
                {children}
              </a>
            ) : (
              <a href={href}>{children}</a>
            ),
          // Images could call out to any server (a tracking pixel); agents link them instead.
          img: ({ src, alt }) => <span className="md-image">[image: {alt || String(src ?? '')}]</span>,
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}

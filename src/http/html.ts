// The one HTML escaper of the server-rendered pages (site sheet, ZAN report). It escapes the
// five characters that matter in text and in quoted attributes alike (& < > " '), so a value is
// safe wherever a template puts it.
const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => entities[ch]!);
}

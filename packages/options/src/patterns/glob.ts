// The glob of option patterns (sandbox rules' hosts and paths, criteria routes and targets).
// Deliberately tiny: `*` matches within one segment (it does not cross the separator: `.` for hosts,
// `/` for paths), `**` crosses it, `?` is one character of a segment; everything else is literal, so
// `api.stripe.com` cannot match `apixstripe.com` the way an unescaped regular expression would, and a
// route template's `:id` or `{id}` is itself. picomatch and minimatch were not taken: they know `/`
// only as a separator and give `{a,b}`, `!`, `+(...)` meanings a reviewer of a rule would have to know.

const cache = new Map<string, RegExp>();
const SPECIAL = /[.*+?^${}()|[\]\\/]/g;

/** The anchored RegExp of `glob` with `separator` between segments (cached per glob, separator, flags). */
export function globToRegExp(glob: string, separator = '/', flags = ''): RegExp {
  const key = `${separator}\u0000${flags}\u0000${glob}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const sep = separator.replace(SPECIAL, '\\$&');
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const ch = glob[i] as string;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        source += '.*';
        i += 1;
      } else {
        source += `[^${sep}]*`;
      }
    } else if (ch === '?') {
      source += `[^${sep}]`;
    } else {
      source += ch.replace(SPECIAL, '\\$&');
    }
  }
  const re = new RegExp(`^${source}$`, flags);
  cache.set(key, re);
  return re;
}

export function globMatches(glob: string, value: string, separator = '/'): boolean {
  return globToRegExp(glob, separator).test(value);
}

/**
 * Globs for hosts and paths. `*` stays within one label / segment (it does not cross the
 * separator: `.` for hosts, `/` for paths), `**` crosses it, `?` is one character of a label.
 * Everything else is literal, so a host pattern such as `api.stripe.com` cannot match
 * `apixstripe.com` the way an unescaped regular expression would.
 */
export function globToRegExp(glob: string, separator: '.' | '/', flags = ''): RegExp {
  const sep = separator === '.' ? '\\.' : '\\/';
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*') {
      if (glob[i + 1] === '*') {
        source += '.*';
        i++;
      } else {
        source += `[^${sep}]*`;
      }
    } else if (char === '?') {
      source += `[^${sep}]`;
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, flags);
}

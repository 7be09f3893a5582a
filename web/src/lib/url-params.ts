import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/**
 * Filters live in the URL so a view can be shared and survives reload.
 *
 * The setter starts from `window.location.search`, not from the `search` of the last render: two
 * filters changed before React re-renders (a fast user, a test, a saved view) would otherwise each
 * start from the same stale query and the second would drop the first.
 */
export function useUrlParams(options: { replace?: boolean } = {}) {
  const [search, setSearch] = useSearchParams();
  const { replace } = options;
  const setParam = useCallback(
    (name: string, value: string) => {
      const next = new URLSearchParams(window.location.search);
      if (value) next.set(name, value);
      else next.delete(name);
      setSearch(next, replace ? { replace: true } : undefined);
    },
    [setSearch, replace],
  );
  return [search, setParam, setSearch] as const;
}

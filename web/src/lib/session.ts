/** Who is signed in: `/me` through TanStack Query, so every screen reads the same cached answer. */
import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from './api';

export interface Organization {
  id: string;
  name: string;
  slug: string;
}

export interface Me {
  user: { id: string; email: string; name: string } | null;
  organization: Organization | null;
  role: string | null;
  memberships: { role: string; organization: Organization }[];
  csrfToken: string | null;
}

export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      const me = await api<Me>('/me');
      // A person in several organizations who has not picked one yet works in the first.
      if (!me.organization && me.memberships[0]) {
        localStorage.setItem('datasync.org', me.memberships[0].organization.id);
        return api<Me>('/me');
      }
      return me;
    },
    retry: (count, error) => !(error instanceof ApiError && error.status === 401) && count < 2,
    staleTime: 60_000,
  });
}

/** Who is signed in: `/me` through TanStack Query, so every screen reads the same cached answer. */
import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from './api';

export interface Me {
  user: { id: string; email: string; name: string };
  organization: { id: string; name: string; slug: string } | null;
  role: string | null;
  memberships: { orgId: string; role: string; organization: { id: string; name: string; slug: string } }[];
}

export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: () => api<Me>('/me'),
    retry: (count, error) => !(error instanceof ApiError && error.status === 401) && count < 2,
    staleTime: 60_000,
  });
}

import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <div className="p-8">
      <h1 className="text-lg font-semibold">Page not found</h1>
      <Link className="text-indigo-600 underline" to="/">
        Back to the overview
      </Link>
    </div>
  );
}

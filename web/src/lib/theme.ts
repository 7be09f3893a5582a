/** Dark mode: a class on <html>, remembered in localStorage (index.html applies it before first paint). */
export function toggleTheme(): 'dark' | 'light' {
  const dark = document.documentElement.classList.toggle('dark');
  localStorage.setItem('datasync.theme', dark ? 'dark' : 'light');
  return dark ? 'dark' : 'light';
}

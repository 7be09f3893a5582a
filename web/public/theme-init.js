// Applies the saved theme before first paint so dark mode never flashes white.
(function () {
  var t = localStorage.getItem('datasync.theme');
  if (t === 'dark' || (!t && matchMedia('(prefers-color-scheme: dark)').matches)) {
    document.documentElement.classList.add('dark');
  }
})();

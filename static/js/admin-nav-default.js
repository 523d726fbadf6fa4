// The admin's navigation sidebar starts collapsed below 1024 px, where open it takes 40 % of a
// tablet's width. Django's own script (admin/js/nav_sidebar.js, which runs after this one) keeps
// the open/closed state in localStorage and treats "nothing stored" as open, so on a narrow screen
// this stores "closed" as a default, marked as ours. A merchandiser's own choice (a click on the
// toggle) removes the mark and is kept; a default of ours is dropped again on a wide screen.
(() => {
  const STATE = "django.admin.navSidebarIsOpen";
  const DEFAULTED = "endless-aisle.navSidebarDefaulted";
  try {
    const narrow = window.matchMedia("(max-width: 1023.98px)").matches;
    if (localStorage.getItem(STATE) === null || localStorage.getItem(DEFAULTED) !== null) {
      if (narrow) {
        localStorage.setItem(STATE, "false");
        localStorage.setItem(DEFAULTED, "true");
      } else {
        localStorage.removeItem(STATE);
        localStorage.removeItem(DEFAULTED);
      }
    }
    document.addEventListener("click", (event) => {
      if (event.target.closest && event.target.closest("#toggle-nav-sidebar")) {
        localStorage.removeItem(DEFAULTED);
      }
    });
  } catch (error) {
    // No storage (a private window with storage blocked): Django's default applies.
  }
})();

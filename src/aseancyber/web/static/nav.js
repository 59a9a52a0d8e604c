/* The main navigation folds behind a "Menu" button on narrow screens (site.css decides
   when). Without script the button stays hidden and the whole list is shown, wrapped. */
(function () {
  var nav = document.querySelector(".site-nav");
  if (!nav) { return; }
  var button = nav.querySelector(".nav-toggle");
  if (!button) { return; }
  nav.classList.add("nav-enhanced");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("nav-open", open);
  });
})();

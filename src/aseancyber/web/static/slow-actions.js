/* Progressive enhancement for slow case actions (approve, publish, end the embargo): on
   submit, the form's button is disabled (no double submission) and an indeterminate
   progress bar says what the server is doing until the next page arrives. Without script
   the form posts as usual. */
(function () {
  var forms = document.querySelectorAll("form[data-slow]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function () {
      var status = document.createElement("p");
      status.setAttribute("role", "status");
      status.className = "slow-progress";
      var bar = document.createElement("progress");
      status.appendChild(bar);
      status.appendChild(document.createTextNode(" " + form.getAttribute("data-slow")));
      form.appendChild(status);
      form.setAttribute("aria-busy", "true");
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (button) {
        // Disabled after this tick, so the clicked button's value is still sent.
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });
})();

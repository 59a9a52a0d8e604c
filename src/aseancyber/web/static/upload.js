/* Progressive enhancement: send the form with XMLHttpRequest to show how much of the file
   has gone, then that the server is storing it; the report replaces the page. Without
   script the form posts as usual. */
(function () {
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var box = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-bar");
    var state = document.getElementById("upload-state");
    var request = new XMLHttpRequest();
    box.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      var percent = Math.round(100 * e.loaded / e.total);
      bar.value = percent;
      state.textContent = percent + "% of " + (e.total / 1048576).toFixed(1) + " MB sent";
    });
    request.upload.addEventListener("load", function () {
      bar.removeAttribute("value");
      state.textContent = "File received: checking and storing its objects…";
    });
    request.addEventListener("load", function () {
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", function () {
      state.textContent = "The upload failed: check the connection and try again.";
      form.querySelector("button[type=submit]").disabled = false;
    });
    request.open("POST", form.action);
    request.send(new FormData(form));
  });
})();

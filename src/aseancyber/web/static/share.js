/* Progressive enhancement of the share form: when the collection changes, propose its
   default label (unless the label was chosen by hand), and refresh the "who will be able
   to see it" box from /sharing/share/audience whenever the collection, label or named
   audience changes. Without script, the "Show who will see it" button does the same. */
(function () {
  var form = document.getElementById("share-form");
  var box = document.getElementById("audience-preview");
  if (!form || !box || !window.fetch || !window.URLSearchParams) { return; }
  var collection = document.getElementById("collection_id");
  var label = document.getElementById("tlp");
  var labelTouched = false;
  var button = document.getElementById("preview-button");
  if (button) { button.hidden = true; }
  var names = ["collection_id", "tlp", "audience_organisation_ids", "audience_user_ids",
               "green_includes_external"];
  function refresh() {
    var query = new URLSearchParams();
    var data = new FormData(form);
    names.forEach(function (name) {
      data.getAll(name).forEach(function (value) { query.append(name, value); });
    });
    fetch("/sharing/share/audience?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var parsed = new DOMParser().parseFromString(html, "text/html");
        var fresh = parsed.getElementById("audience-fragment");
        if (fresh) { box.replaceChildren.apply(box, Array.from(fresh.childNodes)); }
      });
  }
  if (label) { label.addEventListener("change", function () { labelTouched = true; }); }
  if (collection && label) {
    collection.addEventListener("change", function () {
      var option = collection.options[collection.selectedIndex];
      if (!labelTouched && option && option.dataset.defaultTlp) {
        label.value = option.dataset.defaultTlp;
      }
    });
  }
  names.forEach(function (name) {
    var field = document.getElementById(name);
    if (field) { field.addEventListener("change", refresh); }
  });
})();

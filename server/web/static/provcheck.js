// provcheck's check page: drag and drop, paste, upload progress and the
// result shown in place. Without this script the form posts normally and
// the server answers with a result page.
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = document.getElementById("file");
  var drop = document.getElementById("drop");
  var box = form.querySelector(".progress");
  var bar = document.getElementById("progress");
  var status = document.getElementById("status");
  var result = document.getElementById("result");
  var busy = false;

  function say(text) { status.textContent = text; }

  function send(file) {
    if (busy || !file) { return; }
    busy = true;
    var data = new FormData();
    data.append("file", file, file.name || "pasted-image");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") + "?partial=1");
    xhr.setRequestHeader("Accept", "text/html");
    box.hidden = false;
    bar.value = 0;
    say("Uploading " + (file.name || "the pasted image") + "…");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
    };
    xhr.upload.onload = function () { bar.value = bar.max; say("Uploaded. Checking…"); };
    xhr.onload = function () {
      busy = false;
      box.hidden = true;
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (type.indexOf("text/html") !== 0) { say("The server answered with an error (" + xhr.status + ")."); return; }
      result.innerHTML = xhr.responseText;
      say("Checked.");
      var h = document.getElementById("verdict");
      if (h) { h.focus(); }
    };
    xhr.onerror = function () { busy = false; box.hidden = true; say("The upload failed: the server could not be reached."); };
    xhr.ontimeout = xhr.onerror;
    xhr.send(data);
  }

  form.addEventListener("submit", function (e) {
    if (input.files && input.files.length) { e.preventDefault(); send(input.files[0]); }
  });
  input.addEventListener("change", function () {
    if (input.files && input.files.length) { send(input.files[0]); }
  });
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    var files = e.dataTransfer && e.dataTransfer.files;
    if (files && files.length) { send(files[0]); }
  });
  document.addEventListener("paste", function (e) {
    var items = (e.clipboardData && e.clipboardData.items) || [];
    for (var i = 0; i < items.length; i++) {
      if (items[i].kind === "file" && items[i].type.indexOf("image/") === 0) {
        e.preventDefault();
        send(items[i].getAsFile());
        return;
      }
    }
  });
})();

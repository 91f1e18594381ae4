/* Shared by the template and workflow pages: put text where the cursor is in a text box
   (replacing a selection), as if typed, and leave the cursor `back` characters before its end. */
(function () {
  "use strict";
  window.chronosInsertAtCursor = function (box, text, back) {
    var at = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === "number" ? box.selectionEnd : at;
    box.value = box.value.slice(0, at) + text + box.value.slice(end);
    box.focus();
    var caret = at + text.length - (back || 0);
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", {bubbles: true}));
  };
})();

/* The household registration form's member blocks: "Add a member" clones the formset's empty
   form (kept in a <template>), "Remove this member" takes a block away; the blocks are then
   renumbered so that the formset's indexes stay 0..n-1 and TOTAL_FORMS says how many there are.
   A typed national ID fills an empty sex select. A static file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  function setUp(fieldset) {
    var prefix = fieldset.getAttribute("data-prefix");
    var list = fieldset.querySelector("[data-member-list]");
    var template = fieldset.querySelector("template[data-member-template]");
    var total = fieldset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var maximum = Number(fieldset.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']").value) || 1000;
    var addButton = fieldset.querySelector("[data-add-member]");
    var indexed = new RegExp(prefix + "-(\\d+|__prefix__)-");

    function renumber() {
      var blocks = list.querySelectorAll("[data-member-block]");
      Array.prototype.forEach.call(blocks, function (block, index) {
        Array.prototype.forEach.call(block.querySelectorAll("[name], [id], [for], [aria-describedby]"), function (element) {
          ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
            var value = element.getAttribute(attribute);
            if (value && indexed.test(value)) {
              element.setAttribute(attribute, value.replace(new RegExp(indexed.source, "g"), prefix + "-" + index + "-"));
            }
          });
        });
        block.querySelector("[data-member-number]").textContent = String(index + 2);
      });
      total.value = String(blocks.length);
      addButton.disabled = blocks.length >= maximum;
    }

    addButton.addEventListener("click", function () {
      var block = template.content.firstElementChild.cloneNode(true);
      list.appendChild(block);
      renumber();
      var first = block.querySelector("input, select");
      if (first) {
        first.focus();
      }
    });
    list.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove-member]");
      if (remove) {
        remove.closest("[data-member-block]").remove();
        renumber();
        addButton.focus();
      }
    });
    renumber();
  }
  /* A national ID's fourth digit says the person's sex (0, 2, 4: male; 1, 3, 5: female): once
     twelve digits are typed, an empty sex select takes it. The service still checks that the two
     agree; a sex already chosen is left alone. */
  var SEX_BY_DIGIT = { "0": "M", "2": "M", "4": "M", "1": "F", "3": "F", "5": "F" };
  function sexFromNationalId(event) {
    var input = event.target;
    if (!input.name || !/-national_id$/.test(input.name) || !/^[0-9]{12}$/.test(input.value)) {
      return;
    }
    var sex = input.form && input.form.querySelector("select[name='" + input.name.replace(/national_id$/, "sex") + "']");
    var coded = SEX_BY_DIGIT[input.value.charAt(3)];
    if (sex && coded && !sex.value) {
      sex.value = coded;
      sex.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-member-blocks]"), setUp);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sex-from-national-id]"), function (form) {
      form.addEventListener("input", sexFromNationalId);
    });
  });
})();

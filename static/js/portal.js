// Small behaviours the server cannot do: copy an id to the clipboard.
(function () {
  "use strict";

  // Copy buttons beside shortened ids (templates/_macros/ids.html): the full id to the
  // clipboard, and a word on the button for a moment to say it happened.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var before = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = before; }, 1500);
    });
  });
})();

// Pickers (templates/_macros/picker.html): the field asks for matches as one types (HTMX);
// arrows move through them, Enter or a click puts the chosen one's value in the field, Escape
// closes the list.
(function () {
  "use strict";

  function listOf(input) {
    return document.getElementById(input.getAttribute("aria-controls"));
  }

  function close(input) {
    var list = listOf(input);
    if (list) { list.innerHTML = ""; }
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(option) {
    var input = option.closest(".picker").querySelector('[role="combobox"]');
    input.value = option.getAttribute("data-value");
    close(input);
    input.focus();
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var list = event.target.closest && event.target.closest(".picker-options");
    if (!list) { return; }
    var input = list.closest(".picker").querySelector('[role="combobox"]');
    input.setAttribute("aria-expanded", String(list.children.length > 0));
  });

  // The field keeps the focus while an option is pressed: were it to lose it, choose() would
  // focus it again, and the field's focus trigger would fetch and open the list once more.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest('.picker [role="option"]')) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest('.picker [role="option"][data-value]');
    if (option) { choose(option); }
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target.closest && event.target.closest('.picker [role="combobox"]');
    if (!input) { return; }
    var list = listOf(input);
    var options = list ? Array.prototype.slice.call(list.querySelectorAll("[data-value]")) : [];
    var current = list && list.querySelector('[aria-selected="true"]');
    var i = options.indexOf(current);
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && options.length) {
      event.preventDefault();
      i = event.key === "ArrowDown" ? Math.min(i + 1, options.length - 1) : Math.max(i - 1, 0);
      if (current) { current.setAttribute("aria-selected", "false"); }
      options[i].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[i].id);
    } else if (event.key === "Enter" && current) {
      event.preventDefault();
      choose(current);
    } else if (event.key === "Escape") {
      close(input);
    }
  });
})();

// Organisation tree (templates/organizations/_tree.html): expand and collapse, keyboard
// navigation as in the WAI-ARIA tree pattern, and the selection following the node panel.
(function () {
  "use strict";

  function items(tree) {
    // Only the visible ones: collapsed branches are `hidden`.
    return Array.prototype.filter.call(
      tree.querySelectorAll('[role="treeitem"]'),
      function (el) { return el.offsetParent !== null; }
    );
  }

  function focusItem(item) {
    if (!item) { return; }
    var tree = item.closest('[role="tree"]');
    tree.querySelectorAll('[role="treeitem"][tabindex="0"]').forEach(function (el) {
      el.setAttribute("tabindex", "-1");
    });
    item.setAttribute("tabindex", "0");
    item.focus();
  }

  function setExpanded(item, open) {
    var group = item.querySelector(':scope > [role="group"]');
    if (!group || item.getAttribute("aria-expanded") === String(open)) { return; }
    if (open && !group.children.length) {
      item.querySelector(":scope > .tree-row > .tree-toggle").click();  // lazy load (hx-get)
      return;
    }
    item.setAttribute("aria-expanded", String(open));
    group.hidden = !open;
  }

  // "It's a different person": the registration form's duplicate warning goes away.
  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest(".dismiss-warning");
    if (dismiss) { dismiss.closest(".notice").remove(); }
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".tree-toggle");
    if (!toggle) { return; }
    var item = toggle.closest('[role="treeitem"]');
    var open = item.getAttribute("aria-expanded") !== "true";
    item.setAttribute("aria-expanded", String(open));
    item.querySelector(':scope > [role="group"]').hidden = !open;
  });

  document.addEventListener("keydown", function (event) {
    var item = event.target.closest && event.target.closest('[role="treeitem"]');
    if (!item || event.target !== item) { return; }
    var all = items(item.closest('[role="tree"]'));
    var at = all.indexOf(item);
    var expanded = item.getAttribute("aria-expanded");
    switch (event.key) {
      case "ArrowDown": focusItem(all[at + 1]); break;
      case "ArrowUp": focusItem(all[at - 1]); break;
      case "Home": focusItem(all[0]); break;
      case "End": focusItem(all[all.length - 1]); break;
      case "ArrowRight":
        if (expanded === "false") { setExpanded(item, true); }
        else if (expanded === "true") { focusItem(item.querySelector('[role="group"] > [role="treeitem"]')); }
        break;
      case "ArrowLeft":
        if (expanded === "true") { setExpanded(item, false); }
        else { focusItem(item.parentElement.closest('[role="treeitem"]')); }
        break;
      case "Enter": item.querySelector(":scope > .tree-row > a").click(); break;
      default: return;
    }
    event.preventDefault();
  });

  // The panel names its node: mark that one selected in the tree.
  document.addEventListener("htmx:afterSettle", function () {
    var heading = document.querySelector("#node-panel h1[data-node]");
    if (!heading) { return; }
    var current = heading.getAttribute("data-node");
    document.querySelectorAll('.org-tree [role="treeitem"]').forEach(function (el) {
      el.setAttribute("aria-selected", String(el.getAttribute("data-node") === current));
    });
  });
})();

// Approvals: the count of requests waiting for me beside the navigation's "Approvals" link,
// refreshed every 30 s and after each HTMX post.
(function () {
  "use strict";

  var link = null;

  function badge() {
    var el = link.querySelector("[data-approval-count]");
    if (!el) {
      el = document.createElement("span");
      el.className = "badge nav-count";
      el.setAttribute("data-approval-count", "");
      el.setAttribute("aria-label", "waiting for you");
      link.appendChild(el);
    }
    return el;
  }

  function refresh() {
    fetch(link.getAttribute("href") + "count", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (text === null) { return; }
        var el = badge();
        el.textContent = text;
        el.hidden = text === "0";
        document.querySelectorAll("main [data-approval-count]").forEach(function (other) {
          other.textContent = text;
        });
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    link = document.querySelector('.topbar nav a[href$="/approvals/"]');
    if (!link) { return; }
    refresh();
    setInterval(refresh, 30000);
    // After a post, wait for the page it leads to: asking at once would race that request
    // for the session cookie and could swallow its flash message.
    var posted = false;
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.requestConfig && event.detail.requestConfig.verb === "post") { posted = true; }
    });
    document.body.addEventListener("htmx:afterSettle", function () {
      if (posted) { posted = false; refresh(); }
    });
  });
})();

// The bar on phones: the menu button folds the navigation (the page shows it unfolded when
// scripts do not run); the Admin menu closes on Escape and on a click elsewhere.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".topbar .menu-toggle");
    if (!button) { return; }
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    button.closest(".topbar").classList.add("has-menu");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  });

  function closeGroups(except) {
    document.querySelectorAll(".nav-group[open]").forEach(function (group) {
      if (group !== except) { group.open = false; }
    });
  }

  document.addEventListener("click", function (event) {
    closeGroups(event.target.closest && event.target.closest(".nav-group"));
  });
  document.addEventListener("keydown", function (event) {
    var group = event.key === "Escape" && event.target.closest && event.target.closest(".nav-group[open]");
    if (group) {
      group.open = false;
      group.querySelector("summary").focus();
    }
  });
})();

// Dialogs are modal: a dialog HTMX brings in open (the decision dialog) is shown with
// showModal(), so it has a backdrop, takes the focus, closes on Escape and gives the focus
// back to what opened it. Forms marked data-confirm ask first in such a dialog.
(function () {
  "use strict";

  var opener = null;

  function returnFocus(dialog, to) {
    dialog.addEventListener("close", function () {
      if (to && to.isConnected) { to.focus(); }
      if (dialog.hasAttribute("data-transient")) { dialog.remove(); }
    }, { once: true });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.detail.elt.closest("dialog")) { opener = document.activeElement; }
  });

  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("dialog[open]").forEach(function (dialog) {
      if (dialog.matches(":modal")) { return; }
      dialog.removeAttribute("open");  // not close(): its close event would end it at once
      dialog.setAttribute("data-transient", "");
      returnFocus(dialog, opener);
      dialog.showModal();
      var invalid = dialog.querySelector("[aria-invalid=true]");
      if (invalid) { invalid.focus(); }
    });
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-close-dialog]");
    var dialog = close && close.closest("dialog");
    // On the dialog's own page (no scripts when it was opened) the link leads back instead.
    if (dialog && dialog.matches(":modal")) {
      event.preventDefault();
      dialog.close();
    }
  });

  function applies(form) {
    var when = form.getAttribute("data-confirm-when");
    if (!when) { return true; }
    var parts = when.split("=");
    var control = form.elements[parts[0]];
    return Boolean(control) && control.value === parts[1];
  }

  function confirmInput(form) {
    var input = form.querySelector('input[name="confirm"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "confirm";
      form.appendChild(input);
    }
    return input;
  }

  function ask(form, submitter) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("data-transient", "");
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.setAttribute("aria-describedby", "confirm-text");
    var title = document.createElement("h2");
    title.id = "confirm-title";
    title.textContent = "Please confirm";
    var text = document.createElement("p");
    text.id = "confirm-text";
    text.textContent = form.getAttribute("data-confirm");
    var actions = document.createElement("div");
    actions.className = "actions";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button";
    cancel.textContent = "Cancel";
    var go = document.createElement("button");
    go.type = "button";
    go.className = "button danger";
    go.textContent = form.getAttribute("data-confirm-action");
    actions.append(go, cancel);
    dialog.append(title, text, actions);
    document.body.appendChild(dialog);
    returnFocus(dialog, submitter || document.activeElement);
    cancel.addEventListener("click", function () { dialog.close(); });
    go.addEventListener("click", function () {
      confirmInput(form).value = "yes";
      dialog.close();
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    });
    dialog.showModal();
    cancel.focus();  // the safe choice is the one under the Enter key
  }

  // Capture: runs before htmx's own submit handler, which must not see an unconfirmed post.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-confirm") || !applies(form)) { return; }
    var input = confirmInput(form);
    if (input.value === "yes") {
      // Each submission asks again; cleared after this turn, once the post has taken it.
      setTimeout(function () { input.value = ""; }, 0);
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    ask(form, event.submitter);
  }, true);
})();

// Focus after in-place edits (the profile's sections): an opened form puts the focus on its
// first field, or on the first one refused; a saved section takes the focus itself, so a
// keyboard or screen-reader user lands where the change shows.
(function () {
  "use strict";

  var FIELD = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";
  var pending = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    pending = target && target.id && target.classList.contains("panel") ? target.id : null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!pending) { return; }
    var section = document.getElementById(pending);
    pending = null;
    if (!section) { return; }
    var field = section.querySelector("[aria-invalid=true]") || section.querySelector("form " + FIELD);
    if (field) {
      field.focus();
    } else {
      section.setAttribute("tabindex", "-1");
      section.focus();
    }
  });
})();

// Busy state for slow posts (recompute, import, export): the button is disabled and says
// "Working…" until the answer comes, so the post cannot be sent twice. A download link
// (CSV export) is fetched here instead, for the same reason.
(function () {
  "use strict";

  function busy(button) {
    button.disabled = true;
    button.setAttribute("data-label", button.textContent);
    button.textContent = "Working…";
    button.classList.add("is-busy");
  }

  function idle(button) {
    button.disabled = false;
    button.textContent = button.getAttribute("data-label");
    button.classList.remove("is-busy");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-busy") || event.defaultPrevented) { return; }
    var button = event.submitter || form.querySelector("button[type=submit]");
    // After this turn: a disabled submitter would leave its own name and value out.
    setTimeout(function () { busy(button); }, 0);
  });

  // Back to a page left busy (the browser's cache of pages): its buttons work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-busy] .is-busy").forEach(idle);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-busy][download]");
    if (!link) { return; }
    event.preventDefault();
    if (link.getAttribute("aria-disabled") === "true") { return; }
    link.setAttribute("aria-disabled", "true");
    link.setAttribute("data-label", link.textContent);
    link.textContent = "Working…";
    link.classList.add("is-busy");
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        var disposition = response.headers.get("Content-Disposition") || "";
        var name = (/filename="?([^";]+)"?/.exec(disposition) || [])[1] || "export.csv";
        return response.blob().then(function (blob) { return { blob: blob, name: name }; });
      })
      .then(function (file) {
        var save = document.createElement("a");
        save.href = URL.createObjectURL(file.blob);
        save.download = file.name;
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(save.href); }, 1000);
      })
      .catch(function () { window.location.href = link.href; })
      .finally(function () {
        link.removeAttribute("aria-disabled");
        link.textContent = link.getAttribute("data-label");
        link.classList.remove("is-busy");
      });
  });
})();

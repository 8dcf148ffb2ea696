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
// refreshed every 30 s and after each HTMX post; the decision dialog's Cancel closes it.
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

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-close-dialog]");
    var dialog = close && close.closest("dialog");
    // On the dialog's own page (no JavaScript at the time) the link leads back instead.
    if (dialog && !/\/decide$/.test(window.location.pathname)) {
      event.preventDefault();
      dialog.remove();
    }
  });
})();

/* Progressive enhancement only: every page is complete without this file.
   Filters and search on the chronology and year pages; the comparison view of actors. */
(function () {
  "use strict";
  var KEYS = ["q", "actor", "tag", "status", "from", "to"];
  var DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function pad(n, width) { return String(n).padStart(width, "0"); }
  function monthDays(y, m) { return m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : DAYS[m - 1]; }

  /* A written date (YYYY, YYYY-MM or YYYY-MM-DD) as the first or last day of its period, or null. */
  function period(text, last) {
    var m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec((text || "").trim());
    if (!m) return null;
    var y = +m[1], mo = m[2] ? +m[2] : (last ? 12 : 1);
    if (y < 1 || mo < 1 || mo > 12) return null;
    var max = monthDays(y, mo), d = m[3] ? +m[3] : (last ? max : 1);
    if (d < 1 || d > max) return null;
    return pad(y, 4) + "-" + pad(mo, 2) + "-" + pad(d, 2);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c !== null && c !== undefined) parent.append(c);
    }
    return parent;
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  var cache = {};
  function loadJSON(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(url + ": " + r.status);
        return r.json();
      });
    }
    return cache[url];
  }

  /* ---- filters and search ---- */

  function readState() {
    var params = new URLSearchParams(location.search), state = {};
    KEYS.forEach(function (k) { state[k] = (params.get(k) || "").trim(); });
    return state;
  }

  function formState(form) {
    var state = {};
    KEYS.forEach(function (k) { state[k] = form.elements[k].value.trim(); });
    return state;
  }

  function fillForm(form, state) {
    KEYS.forEach(function (k) {
      var field = form.elements[k];
      if (field.tagName === "SELECT" && state[k] && !field.querySelector('option[value="' + CSS.escape(state[k]) + '"]')) {
        add(field, el("option", { value: state[k] }, state[k]));
      }
      field.value = state[k];
    });
  }

  function writeURL(state) {
    var params = new URLSearchParams(location.search);
    KEYS.forEach(function (k) { params.delete(k); if (state[k]) params.set(k, state[k]); });
    var query = params.toString();
    history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }

  function compile(state) {
    return {
      terms: fold(state.q).split(/\s+/).filter(Boolean),
      actor: state.actor, tag: state.tag, status: state.status,
      from: period(state.from, false), to: period(state.to, true),
      active: KEYS.some(function (k) { return state[k]; })
    };
  }

  function matches(r, f) {
    for (var i = 0; i < f.terms.length; i++) if (r.text.indexOf(f.terms[i]) < 0) return false;
    if (f.actor && r.actors.indexOf(f.actor) < 0) return false;
    if (f.tag && r.tags.indexOf(f.tag) < 0) return false;
    if (f.status && r.status !== f.status) return false;
    if (f.from && r.last < f.from) return false;
    if (f.to && r.first > f.to) return false;
    return true;
  }

  function words(node, selector) {
    return Array.prototype.map.call(node.querySelectorAll(selector), function (n) { return n.textContent; }).join(" ");
  }

  function fromEntry(li) {
    var d = li.getAttribute("data-date"), e = li.getAttribute("data-end") || d;
    return {
      node: li, slug: li.getAttribute("data-event"),
      text: fold([words(li, ".event-title"), words(li, ".event-summary"), words(li, ".actors a")].join(" ")),
      actors: (li.getAttribute("data-actors") || "").split(" "), tags: (li.getAttribute("data-tags") || "").split(" "),
      status: li.getAttribute("data-status") || "", first: period(d, false), last: period(e, true)
    };
  }

  function fromIndex(ev, names) {
    var actorNames = ev.a.map(function (s) { return names[s] || s; });
    return {
      data: ev, slug: ev.s, names: actorNames,
      text: fold([ev.t, ev.m, actorNames.join(" ")].join(" ")),
      actors: ev.a, tags: ev.g, status: ev.st || "", first: period(ev.d, false), last: period(ev.e || ev.d, true)
    };
  }

  /* One event from the search index, with the same hooks as the entries written at build time. */
  function renderEntry(r, base) {
    var ev = r.data, url = base + "events/" + ev.s + "/";
    var li = el("li", { "class": "event" + (ev.st ? " is-" + ev.st : ""), "data-event": ev.s, "data-date": ev.d,
      "data-end": ev.e || "", "data-actors": ev.a.join(" "), "data-tags": ev.g.join(" "), "data-status": ev.st || "" });
    var article = add(li, el("article")).lastChild;
    var h = el("h4", { "class": "event-title" });
    add(h, el("a", { href: url }, ev.t));
    var meta = el("p", { "class": "event-meta" });
    add(meta, add(el("span", { "class": "event-when" }), el("time", { datetime: ev.d }, ev.w)));
    if (ev.st) {
      var badge = el("span", { "class": "status status-" + ev.st });
      add(badge, el("span", { "class": "status-mark", "aria-hidden": "true" }), el("span", { "class": "vh" }, "Status: "),
        ev.st.charAt(0).toUpperCase() + ev.st.slice(1));
      add(meta, " ", badge);
    }
    var foot = el("div", { "class": "event-foot" }), list = el("ul", { "class": "actors", "aria-label": "Actors" });
    ev.a.forEach(function (slug, i) {
      var item = add(el("li"), el("a", { href: base + "actors/" + slug + "/" }, r.names[i]));
      if (ev.r[i]) add(item, " ", el("span", { "class": "role" }, "(" + ev.r[i] + ")"));
      add(list, item);
    });
    add(foot, list, " ", el("span", { "class": "source-count" }, plural(ev.n, "source")));
    add(article, h, meta, ev.m ? el("p", { "class": "event-summary" }, ev.m) : null, foot);
    return li;
  }

  function setupFilters(form) {
    var base = form.getAttribute("data-base"), total = +form.getAttribute("data-total");
    var years = (form.getAttribute("data-load") || "").split(" ").filter(Boolean);
    var count = document.querySelector("[data-count]"), idle = count.textContent;
    var more = document.querySelector("[data-more]"), moreList = document.querySelector("[data-more-list]");
    var local = Array.prototype.map.call(document.querySelectorAll("[data-chronology] [data-event]"), fromEntry);
    var here = {}, generation = 0;
    local.forEach(function (r) { here[r.slug] = true; });

    function showLocal(f) {
      var shown = 0;
      local.forEach(function (r) { var ok = !f.active || matches(r, f); r.node.hidden = !ok; if (ok) shown++; });
      document.querySelectorAll("[data-chronology] section").forEach(function (s) {
        var all = s.querySelectorAll("[data-event]").length, on = s.querySelectorAll("[data-event]:not([hidden])").length;
        var n = s.querySelector(".month-h .n");
        if (n && !n.hasAttribute("data-all")) n.setAttribute("data-all", n.textContent);
        if (n) n.textContent = f.active ? on + " of " + plural(all, "event") : n.getAttribute("data-all");
        s.hidden = f.active && !on;
      });
      return shown;
    }

    function showMore(f, loaded) {
      moreList.textContent = "";
      var found = 0;
      loaded.forEach(function (file) {
        var names = file.actors, hits = file.events.map(function (ev) { return fromIndex(ev, names); })
          .filter(function (r) { return !here[r.slug] && matches(r, f); });
        if (!hits.length) return;
        found += hits.length;
        var list = el("ol", { "class": "events" });
        hits.forEach(function (r) { add(list, renderEntry(r, base)); });
        add(moreList, el("h3", {}, file.year + " (" + hits.length + (hits.length === 1 ? " match)" : " matches)")), list);
      });
      more.hidden = found === 0;
      return found;
    }

    function apply(state) {
      var f = compile(state), mine = ++generation, shown = showLocal(f);
      if (!f.active) {
        moreList.textContent = "";
        more.hidden = true;
        count.textContent = idle;
        count.removeAttribute("aria-busy");
        return;
      }
      if (!years.length) {
        count.textContent = shown + " of " + plural(total, "event");
        return;
      }
      count.setAttribute("aria-busy", "true");
      Promise.all(years.map(function (y) { return loadJSON(base + "search/" + y + ".json"); })).then(function (files) {
        if (mine !== generation) return;
        var extra = showMore(f, files);
        count.textContent = (shown + extra) + " of " + plural(total, "event");
        count.removeAttribute("aria-busy");
      }, function () {
        if (mine !== generation) return;
        count.textContent = shown + " of " + plural(total, "event") + " on this page (other years could not be loaded)";
        count.removeAttribute("aria-busy");
      });
    }

    function update() {
      var state = formState(form);
      writeURL(state);
      apply(state);
    }

    var initial = readState();
    fillForm(form, initial);
    form.hidden = false;
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
    form.addEventListener("reset", function () { setTimeout(update, 0); });
    if (KEYS.some(function (k) { return initial[k]; })) apply(initial);
  }

  /* ---- comparison view ---- */

  function monthKey(date) { return date.slice(0, 7); }
  function monthLabel(key) {
    if (key.length === 4) return key + ", month not known";
    var names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    return names[+key.slice(5, 7) - 1] + " " + key.slice(0, 4);
  }

  function setupCompare(root) {
    var base = root.getAttribute("data-base"), form = root.querySelector("[data-compare-form]");
    var select = form.elements.a, chosenList = root.querySelector("[data-chosen]");
    var status = root.querySelector("[data-compare-status]"), lanes = root.querySelector("[data-lanes]");
    var known = {}, chosen = [], generation = 0;
    Array.prototype.forEach.call(select.options, function (o) { if (o.value) known[o.value] = o.textContent; });
    new URLSearchParams(location.search).getAll("a").forEach(function (s) {
      if (known[s] && chosen.indexOf(s) < 0 && chosen.length < 5) chosen.push(s);
    });

    function writeChosen() {
      var params = new URLSearchParams();
      chosen.forEach(function (s) { params.append("a", s); });
      var query = params.toString();
      history.replaceState(history.state, "", location.pathname + (query ? "?" + query : ""));
    }

    function drawChosen(timelines) {
      chosenList.textContent = "";
      chosen.forEach(function (slug, i) {
        var name = timelines[i] ? timelines[i].name : known[slug];
        var remove = el("button", { type: "button", "aria-label": "Remove " + name }, "Remove");
        remove.addEventListener("click", function () {
          chosen.splice(chosen.indexOf(slug), 1);
          refresh(true);
          (chosenList.querySelector("button") || select).focus();
        });
        add(chosenList, add(el("li"), add(el("a", { href: base + "actors/" + slug + "/" }), name), remove));
      });
      Array.prototype.forEach.call(select.options, function (o) { o.disabled = chosen.indexOf(o.value) >= 0; });
      select.disabled = chosen.length >= 5;
      form.querySelector("button").disabled = chosen.length >= 5;
    }

    function drawLanes(timelines) {
      var rows = {}, shared = {};
      timelines.forEach(function (t, col) {
        t.events.forEach(function (ev) {
          var key = ev.d.length === 4 ? ev.d : monthKey(ev.d);
          (rows[key] = rows[key] || timelines.map(function () { return []; }))[col].push(ev);
          shared[ev.s] = (shared[ev.s] || 0) + 1;
        });
      });
      var keys = Object.keys(rows).sort(function (a, b) { return a < b ? -1 : a > b ? 1 : a.length - b.length; });
      var table = el("table", { "class": "lanes lanes-" + timelines.length }), head = el("tr");
      add(table, el("caption", {}, "Events of " + timelines.map(function (t) { return t.name; }).join(", ") + ", by month"));
      add(head, el("th", { scope: "col" }, "Month"));
      timelines.forEach(function (t) {
        add(head, add(el("th", { scope: "col" }), el("a", { href: base + "actors/" + t.slug + "/" }, t.name)));
      });
      add(table, add(el("thead"), head));
      var body = el("tbody");
      keys.forEach(function (key) {
        var tr = add(el("tr"), add(el("th", { scope: "row" }), el("time", { datetime: key }, monthLabel(key))));
        rows[key].forEach(function (events) {
          var cell = el("td");
          if (events.length) {
            var list = el("ul");
            events.forEach(function (ev) {
              var sub = add(el("span", { "class": "sub" }), el("time", { datetime: ev.d }, ev.w));
              if (ev.r) add(sub, " (" + ev.r + ")");
              if (shared[ev.s] > 1) add(sub, " · shared");
              add(list, add(el("li"), el("a", { href: base + "events/" + ev.s + "/" }, ev.t), " ", sub));
            });
            add(cell, list);
          }
          add(tr, cell);
        });
        add(body, tr);
      });
      add(table, body);
      lanes.textContent = "";
      add(lanes, add(el("div", { "class": "lanes-wrap", tabindex: "0", role: "region", "aria-label": "Timelines side by side" }), table));
      var both = Object.keys(shared).filter(function (s) { return shared[s] > 1; }).length;
      status.textContent = "Showing " + timelines.map(function (t) { return t.name + " (" + plural(t.events.length, "event") + ")"; }).join(", ") +
        "; " + both + " shared.";
    }

    function refresh(write) {
      var mine = ++generation;
      if (write) writeChosen();
      drawChosen([]);
      if (chosen.length < 2) {
        lanes.textContent = "";
        status.textContent = chosen.length ? "Choose at least one more actor to compare." : "No actors chosen yet.";
        return;
      }
      status.textContent = "Loading…";
      Promise.all(chosen.map(function (s) { return loadJSON(base + "actors/" + s + "/timeline.json"); })).then(function (timelines) {
        if (mine !== generation) return;
        drawChosen(timelines);
        drawLanes(timelines);
      }, function () {
        if (mine === generation) status.textContent = "The timelines could not be loaded.";
      });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (select.value && chosen.indexOf(select.value) < 0 && chosen.length < 5) {
        chosen.push(select.value);
        select.value = "";
        refresh(true);
      }
    });
    root.hidden = false;
    document.querySelector("[data-compare-nojs]").hidden = true;
    refresh(false);
  }

  var filters = document.querySelector("[data-filters]");
  if (filters) setupFilters(filters);
  var compare = document.querySelector("[data-compare]");
  if (compare) setupCompare(compare);
})();

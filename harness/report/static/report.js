/* report.html: sample filters and search (the page works without it); sets data-report-ready="1" on the html element when done. */
(function () {
  var SEARCH_DELAY_MS = 150;  // the filter runs once typing pauses this long, not on every keystroke
  var rows = document.getElementById("samples").tBodies[0].rows;
  var category = document.getElementById("category-filter");
  var status = document.getElementById("status-filter");
  var search = document.getElementById("search");
  var count = document.getElementById("shown-count");
  var n = rows.length, text = new Array(n), cat = new Array(n), st = new Array(n), shown = new Array(n);
  function cellText(row, name) { var cell = row.querySelector("td." + name); return cell ? cell.textContent : ""; }
  // built once: what a search can match in each row, lowercased
  for (var i = 0; i < n; i++) {
    var row = rows[i];
    cat[i] = row.getAttribute("data-category");
    st[i] = row.getAttribute("data-status");
    shown[i] = !row.hidden;
    text[i] = [cellText(row, "sid"), cat[i], cellText(row, "cat"), cellText(row, "q"),
               cellText(row, "gold"), cellText(row, "answer")].join(" ").toLowerCase();
  }
  function apply() {
    performance.clearMarks("harness-filter");
    performance.mark("harness-filter");  // User Timing: how long a filter run takes (the browser test reads it)
    var c = category.value, s = status.value, q = search.value.trim().toLowerCase(), total = 0;
    for (var i = 0; i < n; i++) {
      var ok = (!c || cat[i] === c) && (!s || st[i] === s) && (!q || text[i].indexOf(q) !== -1);
      if (ok !== shown[i]) { rows[i].hidden = !ok; shown[i] = ok; }
      if (ok) { total += 1; }
    }
    count.textContent = String(total);
  }
  var timer = 0;
  function later() { clearTimeout(timer); timer = setTimeout(apply, SEARCH_DELAY_MS); }
  [category, status].forEach(function (el) { el.addEventListener("change", apply); });
  search.addEventListener("input", later);
  if (category.value || status.value || search.value) { apply(); }  // a browser may restore the fields
  document.getElementById("filters").hidden = false;
  document.documentElement.setAttribute("data-report-ready", "1");
})();

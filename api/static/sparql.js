// The SPARQL page: a CodeMirror editor, the cookbook queries, results as a table.
(function () {
  "use strict";
  const cookbook = JSON.parse(document.getElementById("cookbook-data").textContent);
  const editor = CodeMirror.fromTextArea(document.getElementById("query"), {
    mode: "application/sparql-query", lineNumbers: true, viewportMargin: Infinity,
  });
  window.sparqlEditor = editor;
  const results = document.getElementById("results");
  const status = document.getElementById("status");

  document.querySelectorAll("#cookbook a").forEach((a) => {
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      const q = cookbook.find((c) => c.name === a.dataset.name);
      if (q) { editor.setValue(q.editor); run(); }
    });
  });

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      const here = location.origin;
      a.href = term.value.startsWith(here) ? term.value.slice(here.length) : term.value;
      a.textContent = term.value.replace(/^.*\/eli\/cn\//, "…/");
      td.appendChild(a);
    } else {
      td.textContent = term.value;
    }
    return td;
  }

  async function run() {
    const accept = document.getElementById("accept").value;
    status.textContent = "…";
    const t0 = performance.now();
    const resp = await fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": accept },
      body: new URLSearchParams({ query: editor.getValue() }),
    });
    const ms = Math.round(performance.now() - t0);
    results.innerHTML = "";
    const type = resp.headers.get("content-type") || "";
    if (!resp.ok) {
      const err = await resp.json();
      const p = document.createElement("p");
      p.className = "error message";
      p.textContent = `${err.status} ${err.error}: ${err.message} ${err.hint || ""}`;
      results.appendChild(p);
      status.textContent = `${ms} ms`;
      return;
    }
    if (type.includes("sparql-results+json")) {
      const data = await resp.json();
      if (data.boolean !== undefined) {
        results.textContent = String(data.boolean);
      } else {
        const table = document.createElement("table");
        table.className = "results";
        const head = table.insertRow();
        data.head.vars.forEach((v) => { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); });
        data.results.bindings.forEach((b) => {
          const tr = table.insertRow();
          data.head.vars.forEach((v) => tr.appendChild(cell(b[v])));
        });
        results.appendChild(table);
        status.textContent = `${data.results.bindings.length} rows · ${ms} ms`;
        return;
      }
    } else {
      const pre = document.createElement("pre");
      pre.textContent = await resp.text();
      results.appendChild(pre);
    }
    status.textContent = `${ms} ms`;
  }
  document.getElementById("run").addEventListener("click", run);
  editor.setOption("extraKeys", { "Ctrl-Enter": run, "Cmd-Enter": run });
})();

/*
 * Accessibility repairs on markup the app does not write itself (docs/decisions.md, Accessibility).
 *
 * - AG Grid keeps row containers (full-width rows, sticky rows) with role="rowgroup" in the DOM even when they
 *   hold no row; ARIA requires a row inside a rowgroup. An empty one is marked presentational, and gets its
 *   role back as soon as a row is put in it.
 * - Dash 4's sliders: the number boxes beside a range slider and the slider handles have no accessible name.
 *   They get the text of the slider's own <label for=…> (or the slider id), with "minimum"/"maximum".
 *
 * - Plotly measures text in an off-screen <svg id="js-plotly-tester"> appended to <body>, outside every
 *   landmark; it is not content, so it is hidden from assistive technology.
 *
 * - Dash 4's dropdowns name their button by its current value only (aria-labelledby → the value spans); the
 *   control's own <label for=…> is put first in that list, so a screen reader says what is being chosen.
 * - Plotly figures: each graph gets role="group" and a text alternative written from the figure as drawn (its
 *   title and subtitle, and per legend entry the number of marks and, for bars, their total), refreshed after
 *   every redraw; a page can point the graph at the numbers it prints beside it with
 *   data-tsi-describedby="<ids>" on the graph's wrapper (.tsi-figure).
 *
 * A MutationObserver re-applies both whenever the page changes (Dash re-renders pages and grids).
 */
(function () {
    "use strict";

    var ROWGROUPS = ".ag-root [role='rowgroup'], .ag-root [data-tsi-rowgroup]";

    function fixGridRowGroups(root) {
        root.querySelectorAll(ROWGROUPS).forEach(function (el) {
            var hasRow = el.querySelector("[role='row']") !== null;
            if (!hasRow && el.getAttribute("role") === "rowgroup") {
                el.setAttribute("role", "presentation");
                el.setAttribute("data-tsi-rowgroup", "1");
            } else if (hasRow && el.hasAttribute("data-tsi-rowgroup")) {
                el.setAttribute("role", "rowgroup");
                el.removeAttribute("data-tsi-rowgroup");
            }
        });
    }

    function sliderName(container) {
        var id = container.id;
        var label = id ? document.querySelector("label[for='" + CSS.escape(id) + "']") : null;
        var text = label ? label.textContent.trim() : "";
        return text || (id ? id.replace(/[-_]/g, " ") : "value");
    }

    function name(el, text) {
        if (!el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) {
            el.setAttribute("aria-label", text);
        }
    }

    function fixSliders(root) {
        root.querySelectorAll(".dash-slider-container").forEach(function (container) {
            var base = sliderName(container);
            container.querySelectorAll(".dash-range-slider-min-input").forEach(function (el) {
                name(el, base + " minimum");
            });
            container.querySelectorAll(".dash-range-slider-max-input").forEach(function (el) {
                name(el, base + " maximum");
            });
            container.querySelectorAll("input:not(.dash-range-slider-input)").forEach(function (el) {
                name(el, base);
            });
            var thumbs = container.querySelectorAll("[role='slider']");
            thumbs.forEach(function (el, i) {
                name(el, thumbs.length === 2 ? base + (i === 0 ? " minimum" : " maximum") : base);
            });
        });
    }

    function hidePlotlyTester() {
        var tester = document.getElementById("js-plotly-tester");
        if (tester && tester.getAttribute("aria-hidden") !== "true") {
            tester.setAttribute("aria-hidden", "true");
        }
    }

    function plain(text) {
        var el = document.createElement("div");
        el.innerHTML = String(text || "").replace(/<br\s*\/?>/gi, " ");
        return el.textContent.replace(/\s+/g, " ").trim();
    }

    function count(values) {
        return values && typeof values.length === "number" ? values.length : 0;
    }

    function num(v) {
        return Number(v).toLocaleString("en", {maximumFractionDigits: 2});
    }

    function total(values) {
        var sum = 0;
        for (var i = 0; i < count(values); i++) {
            var v = Number(values[i]);
            if (isFinite(v)) { sum += v; }
        }
        return sum;
    }

    function traceText(trace) {
        if (trace.visible === false || trace.hoverinfo === "skip") { return ""; }
        var auto = !trace.name || /^trace \d+$/.test(trace.name);  // Plotly's default name
        if (trace.type !== "heatmap" && auto) { return ""; }
        var name = auto ? "grid" : plain(trace.name);
        if (trace.type === "bar") {
            var lengths = trace.orientation === "h" ? trace.x : trace.y;
            var bars = name + ": " + count(lengths) + " bars";
            return trace.orientation === "h" ? bars : bars + " totalling " + num(total(lengths));
        }
        if (trace.type === "histogram") {
            return name + ": " + count(trace.x || trace.y).toLocaleString("en") + " values";
        }
        if (trace.type === "heatmap") {
            return name + ": " + count(trace.y) + " rows by " + count(trace.x) + " columns";
        }
        if (trace.type === "box" || trace.type === "violin") {
            return name + ": " + count(trace.y).toLocaleString("en") + " values";
        }
        return name + ": " + count(trace.x || trace.lat || trace.y).toLocaleString("en") + " points";
    }

    function axisTitle(axis) {
        if (!axis || axis.visible === false || !axis.title) { return ""; }
        return plain(typeof axis.title === "string" ? axis.title : axis.title.text);
    }

    function describeFigure(gd) {
        var layout = gd.layout || {};
        var title = layout.title && (typeof layout.title === "string" ? layout.title : layout.title.text);
        var sub = layout.title && layout.title.subtitle && layout.title.subtitle.text;
        var parts = [];
        if (title) { parts.push(plain(title)); }
        if (sub) { parts.push(plain(sub)); }
        var xTitle = axisTitle(layout.xaxis), yTitle = axisTitle(layout.yaxis);
        if (xTitle && yTitle) {
            parts.push(yTitle + " against " + xTitle);
        } else if (xTitle || yTitle) {
            parts.push("axis: " + (xTitle || yTitle));
        }
        // _fullData: the arrays decoded (Dash sends large ones base64-encoded) and defaults applied
        var drawn = gd._fullData && gd._fullData.length ? gd._fullData : (gd.data || []);
        var traces = drawn.map(traceText).filter(Boolean);
        if (traces.length) { parts.push(traces.join("; ")); }
        if (!traces.length && layout.annotations && layout.annotations.length && !gd.data.length) {
            parts.push(plain(layout.annotations[0].text));  // an empty figure's message
        }
        if (!parts.length) { return "Chart."; }
        return parts.map(function (p) { return p.replace(/[.\s]+$/, ""); }).join(". ") + ".";
    }

    function labelGraph(gd) {
        var host = gd.closest(".dash-graph") || gd.parentElement;
        if (!host) { return; }
        // "group", not "img": a group may hold the mode bar's buttons (an img's content is presentational, and
        // focusable content inside it is nested interaction)
        host.setAttribute("role", "group");
        host.setAttribute("aria-label", describeFigure(gd));
        var wrapper = host.closest("[data-tsi-describedby]");
        if (wrapper) {  // only ids present now (a page state may lack one)
            var ids = wrapper.getAttribute("data-tsi-describedby").split(/\s+/).filter(function (id) {
                return id && document.getElementById(id);
            });
            if (ids.length) {
                host.setAttribute("aria-describedby", ids.join(" "));
            } else {
                host.removeAttribute("aria-describedby");
            }
        }
    }

    function fixGraphs(root) {
        root.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
            if (!gd.__tsiLabelled && typeof gd.on === "function") {
                gd.__tsiLabelled = true;
                gd.on("plotly_afterplot", function () { labelGraph(gd); });
            }
            labelGraph(gd);
        });
    }

    function fixDropdowns(root) {
        root.querySelectorAll("button.dash-dropdown[id]").forEach(function (button) {
            var label = document.querySelector("label[for='" + CSS.escape(button.id) + "']");
            if (label) {
                if (!label.id) { label.id = button.id + "-label"; }
                var ids = (button.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
                if (ids[0] !== label.id) {
                    button.setAttribute("aria-labelledby",
                        [label.id].concat(ids.filter(function (i) { return i !== label.id; })).join(" "));
                }
            }
            // The Tab stop in front of the button (it hands the focus to the button at once) is marked
            // aria-hidden although focusable: a screen reader would land on nothing. Name it as the button is.
            var proxy = button.previousElementSibling;
            if (proxy && proxy.classList.contains("dash-dropdown-focus-target")) {
                if (proxy.getAttribute("aria-hidden") === "true") { proxy.removeAttribute("aria-hidden"); }
                var names = button.getAttribute("aria-labelledby");
                if (names && proxy.getAttribute("aria-labelledby") !== names) {
                    proxy.setAttribute("aria-labelledby", names);
                }
            }
        });
    }

    var pending = false;

    function repair() {
        pending = false;
        fixGridRowGroups(document);
        fixSliders(document);
        hidePlotlyTester();
        fixGraphs(document);
        fixDropdowns(document);
    }

    function schedule() {
        if (!pending) {
            pending = true;
            window.requestAnimationFrame(repair);
        }
    }

    function start() {
        repair();
        new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true});
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());

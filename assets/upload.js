/*
 * TSI — schedule upload on the Home page (flows.md §9).
 *
 * pages/home.py renders empty <div class="tsi-file-slot" data-field="schedule|visibility|dark"> slots inside
 * #home-upload-card (which carries data-max-bytes and data-endpoint). This script:
 *   - puts a real <input type="file" id="home-file-<field>"> into every slot (again whenever the page is
 *     re-rendered, watched with a MutationObserver), so files are never read into the page as base64;
 *   - enables #home-upload-button only when a schedule file is chosen and no chosen file exceeds the limit
 *     (a file over the limit is refused here, before anything is sent);
 *   - sends the files with XMLHttpRequest + FormData, shows the progress (percent, "X.X MB of Y.Y MB"), then
 *     "Processing: …" with the elapsed seconds until the server answers;
 *   - hands {status, body} of the response to the Dash store #home-upload-result with
 *     dash_clientside.set_props, so a Python callback renders the result.
 * Dash-owned components are only changed through set_props; the file inputs belong to this script.
 */
(function () {
    "use strict";

    var FIELDS = ["schedule", "visibility", "dark"];
    var PROCESSING = "Processing: parsing, validating, storing, computing analytics\u2026";
    var busy = false;

    function byId(id) { return document.getElementById(id); }

    function card() { return byId("home-upload-card"); }

    // Only while the Home page is shown (all targets live inside it; a dcc.Store has no DOM element of its
    // own, so the card stands for the page).
    function setProps(id, props) {
        var dc = window.dash_clientside;
        if (card() && dc && typeof dc.set_props === "function") {
            dc.set_props(id, props);
        }
    }

    function maxBytes() {
        var c = card();
        var n = c ? parseInt(c.getAttribute("data-max-bytes"), 10) : NaN;
        return isFinite(n) ? n : Infinity;
    }

    function endpoint() {
        var c = card();
        return (c && c.getAttribute("data-endpoint")) || "/api/schedules";
    }

    function megabytes(n) { return (n / 1e6).toFixed(1) + " MB"; }

    function fileInput(field) { return byId("home-file-" + field); }

    function chosenFiles() {
        var out = {};
        FIELDS.forEach(function (field) {
            var el = fileInput(field);
            if (el && el.files && el.files.length > 0) { out[field] = el.files[0]; }
        });
        return out;
    }

    function oversized(files) {
        var limit = maxBytes();
        return FIELDS.filter(function (f) { return files[f] && files[f].size > limit; }).map(function (f) {
            return {file: files[f].name, path: "(file)", expected: "at most " + limit + " bytes",
                    got: files[f].size + " bytes"};
        });
    }

    function publish(status, bodyText) {
        setProps("home-upload-result", {data: {status: status, body: bodyText, at: Date.now()}});
    }

    function updateButton() {
        var files = chosenFiles();
        var ok = !busy && !!files.schedule && oversized(files).length === 0;
        setProps("home-upload-button", {disabled: !ok});
        return files;
    }

    function onFileChange() {
        var files = updateButton();
        var big = oversized(files);
        if (big.length > 0) {
            var p = big[0];
            publish(413, JSON.stringify({
                error: "size", client: true, problems: big,
                message: p.file + ": " + p.path + ": expected " + p.expected + "; got " + p.got +
                    " (" + megabytes(parseInt(p.got, 10)) + "). The file was not sent."
            }));
        }
    }

    function setInputsDisabled(disabled) {
        FIELDS.forEach(function (field) {
            var el = fileInput(field);
            if (el) { el.disabled = disabled; }
        });
    }

    function showProgress(percent, text, processing) {
        setProps("home-upload-progress-wrap", {style: {}});
        setProps("home-upload-progress", {value: percent, label: percent + "%",
                                          striped: !!processing, animated: !!processing});
        setProps("home-upload-status", {children: text});
    }

    function hideProgress() {
        setProps("home-upload-progress-wrap", {style: {display: "none"}});
        setProps("home-upload-status", {children: ""});
    }

    function send() {
        var files = chosenFiles();
        if (busy || !files.schedule || oversized(files).length > 0) { return; }
        busy = true;
        updateButton();
        setInputsDisabled(true);
        setProps("home-upload-message", {children: null});

        var form = new FormData();
        var total = 0;
        FIELDS.forEach(function (field) {
            if (files[field]) {
                form.append(field, files[field], files[field].name);
                total += files[field].size;
            }
        });
        var nameEl = byId("home-upload-name");
        var name = nameEl && nameEl.value ? nameEl.value.trim() : "";
        if (name) { form.append("name", name); }

        var lastPercent = -1;
        var timer = null;
        var started = null;
        showProgress(0, "Uploading: 0% (" + megabytes(0) + " of " + megabytes(total) + ")", false);

        function startProcessing() {
            if (timer !== null) { return; }
            started = Date.now();
            var tick = function () {
                var s = Math.floor((Date.now() - started) / 1000);
                showProgress(100, PROCESSING + " " + s + " s elapsed", true);
            };
            tick();
            timer = window.setInterval(tick, 1000);
        }

        function finish(status, text) {
            if (timer !== null) { window.clearInterval(timer); timer = null; }
            busy = false;
            hideProgress();
            setInputsDisabled(false);
            if (status === 200 || status === 201) {
                FIELDS.forEach(function (field) {
                    var el = fileInput(field);
                    if (el) { el.value = ""; }
                });
                setProps("home-upload-name", {value: ""});
                if (nameEl) { nameEl.value = ""; }
            }
            updateButton();
            publish(status, text);
        }

        var xhr = new XMLHttpRequest();
        xhr.open("POST", endpoint());
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = function (e) {
            var sent = e.loaded;
            var size = e.lengthComputable && e.total > 0 ? e.total : total;
            var percent = Math.min(100, Math.floor(100 * sent / Math.max(size, 1)));
            if (percent === lastPercent) { return; }
            lastPercent = percent;
            showProgress(percent, "Uploading: " + percent + "% (" + megabytes(Math.min(sent, size)) + " of " +
                megabytes(size) + ")", false);
        };
        xhr.upload.onload = startProcessing;
        xhr.onload = function () { finish(xhr.status, xhr.responseText); };
        xhr.onerror = function () {
            finish(0, JSON.stringify({error: "network", message: "Upload failed: the connection was " +
                "interrupted before the server answered (is the server running, or is a proxy limiting the " +
                "request size?)."}));
        };
        xhr.onabort = function () {
            finish(0, JSON.stringify({error: "network", message: "Upload cancelled."}));
        };
        // Small requests may finish without an upload progress event: show "Processing" from the start of
        // the response at the latest.
        xhr.onreadystatechange = function () {
            if (xhr.readyState === 2) { startProcessing(); }
        };
        xhr.send(form);
    }

    function ensureInputs() {
        var slots = document.querySelectorAll(".tsi-file-slot[data-field]");
        for (var i = 0; i < slots.length; i++) {
            var slot = slots[i];
            var field = slot.getAttribute("data-field");
            if (slot.querySelector("input[type=file]")) { continue; }
            var input = document.createElement("input");
            input.type = "file";
            input.id = "home-file-" + field;
            input.name = field;
            input.className = "form-control tsi-file-input";
            input.accept = ".json,.gz,.json.gz,application/json,application/gzip";
            input.disabled = busy;
            slot.appendChild(input);
        }
    }

    document.addEventListener("change", function (e) {
        var t = e.target;
        if (t && t.classList && t.classList.contains("tsi-file-input")) { onFileChange(); }
    });

    document.addEventListener("click", function (e) {
        var t = e.target && e.target.closest ? e.target.closest("#home-upload-button") : null;
        if (t && !t.disabled) { send(); }
    });

    function start() {
        ensureInputs();
        new MutationObserver(ensureInputs).observe(document.body, {childList: true, subtree: true});
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());

/*
 * Cell renderers of the Home page's schedule table (pages/home.py, tsi/ui/home_parts.py).
 * Added to dash-ag-grid's renderer namespace without replacing renderers other files may define.
 * Values are rendered as React text children, never as HTML.
 */
(function () {
    "use strict";
    var ns = window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {};
    var BADGE = {fresh: "bg-success", stale: "bg-warning text-dark", missing: "bg-danger"};

    ns.TsiAnalyticsBadge = function (props) {
        var value = props.value == null ? "" : String(props.value);
        return React.createElement("span", {
            className: "badge rounded-pill tsi-analytics-badge tsi-analytics-" + value + " " +
                (BADGE[value] || "bg-secondary")
        }, value);
    };

    ns.TsiDeleteButton = function (props) {
        var data = props.data || {};
        return React.createElement("button", {
            type: "button",
            className: "btn btn-outline-danger btn-sm py-0 tsi-delete-button",
            title: "Delete schedule '" + data.name + "' (id " + data.schedule_id + ")"
        }, "Delete");
    };
}());

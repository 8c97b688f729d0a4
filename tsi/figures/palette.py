"""The figures' colours, defined once: Okabe–Ito categories, Viridis/Cividis scales, and the marker symbols and
fill patterns that carry a category beside its colour (docs/decisions.md, Accessibility).

Okabe & Ito, "Color Universal Design" (2002/2008): eight colours that stay apart under the common colour-vision
deficiencies. Black is left out (the figures are drawn on a dark page); Plotly's default colours (red/green/
blue/orange) are not used anywhere. tests/tsi/figures/test_palette.py checks that every set of categories that
share a figure stays distinguishable under simulated deuteranopia and protanopia.
"""

from __future__ import annotations

# Okabe–Ito, by name.
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"  # not a category colour: "other" / neutral marks

OKABE_ITO = [ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE]

# Continuous scales: perceptually uniform, readable in greyscale and by colour-blind readers.
SEQUENTIAL = "Viridis"
SEQUENTIAL_ALT = "Cividis"

# --- scheduled / unscheduled (status): colour + marker symbol + bar pattern
SCHEDULED_COLOR = SKY_BLUE
UNSCHEDULED_COLOR = ORANGE
STATUS_COLORS = {"Scheduled": SCHEDULED_COLOR, "Unscheduled": UNSCHEDULED_COLOR}
STATUS_SYMBOLS = {"Scheduled": "circle", "Unscheduled": "x"}
STATUS_PATTERNS = {"Scheduled": "", "Unscheduled": "/"}

# --- priority bins 1..4 (Low → High): colour + marker symbol
BIN_COLORS = {1: SKY_BLUE, 2: BLUISH_GREEN, 3: YELLOW, 4: VERMILLION}
BIN_SYMBOLS = {1: "circle", 2: "square", 3: "diamond", 4: "triangle-up"}

# --- the two schedules of the Compare page: colour + bar pattern
CURRENT_COLOR = BLUE
COMPARISON_COLOR = ORANGE
CURRENT_PATTERN = ""
COMPARISON_PATTERN = "/"
NEWLY_SCHEDULED_COLOR = BLUISH_GREEN
NEWLY_UNSCHEDULED_COLOR = VERMILLION
NEWLY_SCHEDULED_PATTERN = ""
NEWLY_UNSCHEDULED_PATTERN = "x"

# --- the two data paths of the migration cockpit
PATH_COLORS = {"legacy": ORANGE, "etl": SKY_BLUE}
PATH_PATTERNS = {"legacy": "/", "etl": ""}

# --- single-series histograms of the Distributions page (one colour per figure, never compared)
HISTOGRAM_COLORS = {"total_visibility_hours": SKY_BLUE, "requested_hours": REDDISH_PURPLE,
                    "elevation_range_deg": YELLOW}

# --- lines and points of the Trends page: colour + dash style / marker symbol
SERIES_COLORS = [SKY_BLUE, ORANGE, BLUISH_GREEN, VERMILLION, REDDISH_PURPLE, YELLOW, BLUE]
SERIES_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
POINT_COLOR = ORANGE

# --- timeline background bands
NIGHT_COLOR = BLUE
DAY_COLOR = YELLOW

# Every group of categories that appear together in one figure: the deuteranopia test checks each group.
CATEGORY_SETS = {
    "status": [SCHEDULED_COLOR, UNSCHEDULED_COLOR],
    "priority bins": [BIN_COLORS[b] for b in sorted(BIN_COLORS)],
    "compare schedules": [CURRENT_COLOR, COMPARISON_COLOR],
    "compare changes": [NEWLY_SCHEDULED_COLOR, NEWLY_UNSCHEDULED_COLOR],
    "data paths": [PATH_COLORS["legacy"], PATH_COLORS["etl"]],
    "trend series": SERIES_COLORS[:3],
    "trend rate": [SCHEDULED_COLOR, POINT_COLOR],
    "timeline bands": [NIGHT_COLOR, DAY_COLOR],
}


def series_color(i: int) -> str:
    return SERIES_COLORS[i % len(SERIES_COLORS)]


def series_dash(i: int) -> str:
    return SERIES_DASHES[i % len(SERIES_DASHES)]

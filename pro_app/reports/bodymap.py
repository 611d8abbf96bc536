"""Where the 17 mRSS sites sit on a front-view figure (SVG user units, 120 × 224).

The figure faces the reader, so the patient's right side is on the viewer's LEFT (as on the standard mRSS
chart); the template labels both sides. Geometry only: values are drawn by templates/reports/_bodymap.html.
"""
WIDTH, HEIGHT = 120, 224
MIDLINE = WIDTH / 2

# Patient's right side (viewer's left); the left side is mirrored about the midline.
_RIGHT_SIDE = {
    "upper_arm": (31, 64), "forearm": (24, 101), "hand_dorsum": (19, 129), "fingers": (16, 147),
    "thigh": (49, 134), "lower_leg": (47, 175), "foot_dorsum": (45, 210),
}
SITE_POSITIONS: dict[str, tuple[float, float]] = {"face": (MIDLINE, 19), "chest": (MIDLINE, 54),
                                                  "abdomen": (MIDLINE, 86)}
for _site, (_x, _y) in _RIGHT_SIDE.items():
    SITE_POSITIONS[f"r_{_site}"] = (_x, _y)
    SITE_POSITIONS[f"l_{_site}"] = (WIDTH - _x, _y)

# The silhouette: (x1, y1, x2, y2, stroke width) limb segments, drawn under the site markers.
_RIGHT_LIMBS = [(42, 40, 31, 64, 11), (31, 64, 24, 101, 9), (24, 101, 19, 129, 8), (19, 129, 16, 148, 6),
                (52, 110, 49, 134, 15), (49, 134, 47, 175, 11), (47, 175, 45, 210, 8)]
LIMBS = _RIGHT_LIMBS + [(WIDTH - x1, y1, WIDTH - x2, y2, w) for x1, y1, x2, y2, w in _RIGHT_LIMBS]

# Fill per score 0-3 (light to dark) and the text colour that stays readable on it; None = not scored.
FILLS = {None: ("#ffffff", "#505a5f"), 0: ("#ffffff", "#0b0c0c"), 1: ("#d2e2f1", "#0b0c0c"),
         2: ("#7fa8cf", "#0b0c0c"), 3: ("#1d4f7a", "#ffffff")}

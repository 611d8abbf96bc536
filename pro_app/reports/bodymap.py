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

# The silhouette: limbs as thick round-capped strokes, one SVG path per stroke width (both sides in one path:
# fewer elements render faster), drawn under the site markers.
_RIGHT_LIMBS = {9: ((42, 40), (31, 64), (24, 101)), 7: ((24, 101), (19, 129), (16, 148)),
                13: ((52, 110), (49, 134), (47, 175)), 8: ((47, 175), (45, 210))}


def _limb_paths() -> list[tuple[int, str]]:
    paths = []
    for width, points in _RIGHT_LIMBS.items():
        right = "M" + " L".join(f"{x} {y}" for x, y in points)
        left = "M" + " L".join(f"{WIDTH - x} {y}" for x, y in points)
        paths.append((width, f"{right} {left}"))
    return paths


LIMB_PATHS = _limb_paths()

# Fill per score 0-3 (light to dark) and the text colour that stays readable on it; None = not scored.
FILLS = {None: ("#ffffff", "#505a5f"), 0: ("#ffffff", "#0b0c0c"), 1: ("#d2e2f1", "#0b0c0c"),
         2: ("#7fa8cf", "#0b0c0c"), 3: ("#1d4f7a", "#ffffff")}

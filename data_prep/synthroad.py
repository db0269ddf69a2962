"""SynthRoad: procedurally rendered street scenes with pixel labels, built into anomseg.

Every frame is rendered from a pinhole camera looking down a straight street. A pixel's class
follows from where its ray meets the world: the ground plane (road with lane marks, sidewalk), a
facade plane on either side of the street (buildings, hedges of trees), or nothing (sky). Sprites
standing on the ground (poles, signs, trees, cars, persons and, in the anomaly splits, objects of
kinds never seen in training) are drawn far to near on top. Textures are sampled in world
coordinates, so a moving camera sees them move with the scene; colours, lighting, haze, blur and
sensor noise vary per frame, so a model has to learn appearance and layout rather than look up
colours.

Camera model, in pixels: a point at lateral offset X, height Y and depth z (metres) projects to

    u = u0 + f * X / z,        v = v0 + f * (h - Y) / z

with vanishing column u0, horizon row v0, focal length f and camera height h.

Output folder (written under a temporary name and renamed when complete):

    leftImg8bit/{train,val}/synthroad/synthroad_{split}_NNNNNN_leftImg8bit.png
    gtFine/{train,val}/synthroad/synthroad_{split}_NNNNNN_gtFine_labelTrainIds.png   (255 ignore)
    anomaly/images/anomaly_NNNN.png
    anomaly/labels_masks/anomaly_NNNN_labels_semantic.png    (0 inlier, 1 anomaly, 255 void)
    sequence/images/frame_NNNN.png                           (a camera driving down one street)
    sequence/labels_masks/frame_NNNN_labels_semantic.png
    meta.json                                                (parameters, classes, palette)

Usage::

    python data_prep/synthroad.py --out-dir data/synthroad            # default size
    python data_prep/synthroad.py --out-dir data/synthroad-tiny --height 64 --width 128 \
        --num-train 4 --num-val 2 --num-anomaly 2 --num-sequence 3
"""
import argparse
import json
import os
import os.path as osp
import time
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np

from anomseg.datasets.synthroad import SYNTHROAD_CLASSES, SYNTHROAD_PALETTE
from anomseg.utils import atomic_output_dir, check_output_writable
from anomseg.utils.cli import add_debug_argument, cli
from anomseg.utils.errors import InputError

CLASSES, PALETTE = SYNTHROAD_CLASSES, SYNTHROAD_PALETTE
ROAD, SIDEWALK, BUILDING, POLE, SIGN, VEGETATION, SKY, PERSON, CAR = range(len(CLASSES))
ANOMALY = len(CLASSES)  # internal id while painting; written as 1 in anomaly masks
VOID = 255
FORMAT_VERSION = 2
SIGN_RADIUS = 0.5

FACADE_COLOURS = np.array([[0.78, 0.72, 0.62], [0.62, 0.60, 0.58], [0.60, 0.36, 0.28],
                           [0.86, 0.85, 0.80], [0.55, 0.50, 0.42], [0.70, 0.66, 0.70]],
                          np.float32)
CAR_COLOURS = np.array([[0.92, 0.92, 0.92], [0.08, 0.08, 0.09], [0.55, 0.56, 0.58],
                        [0.75, 0.76, 0.78], [0.45, 0.08, 0.08], [0.10, 0.16, 0.38],
                        [0.22, 0.26, 0.24]], np.float32)
CLOTH_COLOURS = np.array([[0.15, 0.15, 0.18], [0.30, 0.32, 0.45], [0.55, 0.52, 0.45],
                          [0.65, 0.15, 0.15], [0.85, 0.85, 0.82], [0.20, 0.35, 0.25],
                          [0.45, 0.30, 0.20]], np.float32)
SKIN_COLOURS = np.array([[0.93, 0.76, 0.64], [0.80, 0.60, 0.45], [0.55, 0.38, 0.26],
                         [0.36, 0.24, 0.16]], np.float32)
# Saturated hues and patterns that no training class wears.
ANOMALY_COLOURS = np.array([[0.85, 0.10, 0.85], [1.00, 0.50, 0.00], [0.10, 0.90, 0.90],
                            [0.60, 1.00, 0.10], [1.00, 0.90, 0.10], [0.45, 0.10, 0.90],
                            [0.55, 0.35, 0.18], [0.95, 0.95, 0.92]], np.float32)
ANOMALY_KINDS = ('debris', 'animal', 'crate', 'tyre', 'barrel')
NEAR_PLANE = 2.0


def fractal_texture(rng, size=256, beta=2.2):
    """A tileable noise texture with a 1/f^beta power spectrum, scaled to zero mean, unit std."""
    white = rng.standard_normal((size, size))
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    spectrum = np.fft.rfft2(white) / radius**(beta / 2)
    spectrum[0, 0] = 0
    tex = np.fft.irfft2(spectrum, s=(size, size))
    return ((tex - tex.mean()) / tex.std()).astype(np.float32)


def sample_texture(tex, a, b):
    """Sample a tileable texture at texel coordinates (a, b) (any shape, wrapping around)."""
    a, b = np.broadcast_arrays(a, b)
    out = cv2.remap(tex, np.ascontiguousarray(a, np.float32).reshape(a.shape[0], -1),
                    np.ascontiguousarray(b, np.float32).reshape(a.shape[0], -1),
                    cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    return out.reshape(a.shape)


def jitter(rng, colour, amount):
    return np.clip(colour * rng.uniform(1 - amount, 1 + amount, 3), 0, 1).astype(np.float32)


class Scene:
    """One street: camera, layout along the street, sprites and appearance, all in world units."""

    def __init__(self, rng, height, width, sequence=False):
        self.rng = rng
        self.height, self.width = height, width
        self.f = width * rng.uniform(0.75, 0.95)
        self.cam_h = rng.uniform(1.3, 1.8)
        self.v0 = height * rng.uniform(0.36, 0.46)
        self.u0 = width * rng.uniform(0.44, 0.56)
        self.road = rng.uniform(3.0, 6.5)  # half width of the road
        self.walk = rng.uniform(1.8, 4.5)  # sidewalk width
        self.lanes = int(rng.integers(1, 3))  # lanes per direction
        self.dashed = rng.random() < 0.7
        self.textures = [fractal_texture(rng, beta=b) for b in (2.0, 2.6, 3.2)]
        self.sun = rng.choice([-1.0, 1.0])
        self.sunlit = rng.uniform(0.95, 1.25)
        self.shaded = rng.uniform(0.55, 0.8)
        self.fog = rng.uniform(70.0, 350.0)
        overcast = rng.random() < 0.35
        if overcast:
            top = np.full(3, rng.uniform(0.55, 0.75))
            self.sky_top, self.sky_horizon = top, np.clip(top + 0.15, 0, 1)
        else:
            self.sky_top = jitter(rng, np.array([0.25, 0.45, 0.80]), 0.15)
            self.sky_horizon = jitter(rng, np.array([0.72, 0.82, 0.92]), 0.06)
        self.asphalt = jitter(rng, np.full(3, rng.uniform(0.22, 0.42)), 0.04)
        self.paving = jitter(rng, np.full(3, rng.uniform(0.50, 0.72)), 0.06)
        self.marking = np.full(3, rng.uniform(0.75, 0.95))
        self.foliage = jitter(rng, np.array([0.22, 0.40, 0.12]), 0.2)
        self.length = 400.0 if not sequence else 600.0
        self.facades = [self._facades(), self._facades()]  # left, right
        self.sprites = self._sprites()

    def _facades(self):
        """Segments along one side: (start z, kind 0 building / 1 trees, height, colour...)."""
        rng, z, rows = self.rng, -50.0, []
        while z < self.length + 1e3:
            kind = 0 if rng.random() < 0.72 else 1
            height = rng.uniform(6, 26) if kind == 0 else rng.uniform(3, 9)
            colour = (jitter(rng, FACADE_COLOURS[rng.integers(len(FACADE_COLOURS))], 0.12)
                      if kind == 0 else jitter(rng, self.foliage, 0.15))
            rows.append((z, kind, height, *colour, rng.uniform(2.5, 4.0), rng.uniform(2.8, 3.6),
                         rng.uniform(0.35, 0.65)))
            z += rng.uniform(8, 35)
        return np.array(rows, dtype=np.float32)

    def _sprites(self):
        rng, sprites = self.rng, []
        edge = self.road + self.walk
        z = rng.uniform(3, 12)
        while z < self.length:  # poles with signs and street trees along both curbs
            side = rng.choice([-1.0, 1.0])
            if rng.random() < 0.55:
                sprites.append(dict(kind='pole', x=side * (self.road + 0.4), z=z, w=0.22,
                                    h=rng.uniform(3.5, 8.0), sign=rng.random() < 0.6,
                                    sign_kind=int(rng.integers(3)), sign_h=rng.uniform(2.2, 3.2)))
            else:
                sprites.append(dict(kind='tree', x=side * (edge - rng.uniform(0.6, 1.2)), z=z,
                                    w=rng.uniform(2.5, 4.5), h=rng.uniform(4.5, 9.0),
                                    colour=jitter(rng, self.foliage, 0.2),
                                    phase=rng.uniform(0, 6.3, 4)))
            z += rng.uniform(5, 18)
        for _ in range(int(rng.integers(2, 9))):
            lane = (rng.integers(self.lanes) + 0.5) * self.road / self.lanes
            sprites.append(dict(kind='car', x=rng.choice([-1.0, 1.0]) * lane, z=rng.uniform(6, 90),
                                w=rng.uniform(1.7, 1.95), h=rng.uniform(1.35, 1.7),
                                colour=jitter(rng, CAR_COLOURS[rng.integers(len(CAR_COLOURS))],
                                              0.08), speed=rng.uniform(-0.6, 0.6)))
        for _ in range(int(rng.integers(2, 11))):
            x = rng.choice([-1.0, 1.0]) * rng.uniform(self.road + 0.5, edge - 0.3)
            sprites.append(dict(kind='person', z=rng.uniform(3, 40), w=rng.uniform(0.5, 0.62), x=x,
                                h=rng.uniform(1.55, 1.95),
                                top=CLOTH_COLOURS[rng.integers(len(CLOTH_COLOURS))],
                                legs=CLOTH_COLOURS[rng.integers(len(CLOTH_COLOURS))],
                                skin=SKIN_COLOURS[rng.integers(len(SKIN_COLOURS))]))
        return sprites

    def add_anomalies(self, count, z_range=(5.0, 30.0)):
        """Objects of unseen kinds and textures, on the road nine times in ten."""
        rng = self.rng
        for _ in range(count):
            kind = ANOMALY_KINDS[rng.integers(len(ANOMALY_KINDS))]
            on_road = rng.random() < 0.9
            x = (rng.uniform(-0.85, 0.85) * self.road if on_road else
                 rng.choice([-1.0, 1.0]) * rng.uniform(self.road, self.road + self.walk))
            w, h = {'debris': (rng.uniform(0.7, 2.6), rng.uniform(0.3, 0.9)),
                    'animal': (rng.uniform(1.4, 2.6), rng.uniform(1.0, 1.9)),
                    'crate': (rng.uniform(0.7, 1.8), rng.uniform(0.5, 1.4)),
                    'tyre': (rng.uniform(0.8, 1.2), None),
                    'barrel': (rng.uniform(0.6, 0.9), rng.uniform(0.9, 1.3))}[kind]
            self.sprites.append(dict(
                kind=kind, x=x, z=rng.uniform(*z_range), w=w, h=w if h is None else h,
                colour=ANOMALY_COLOURS[rng.integers(len(ANOMALY_COLOURS))],
                colour2=ANOMALY_COLOURS[rng.integers(len(ANOMALY_COLOURS))],
                pattern=int(rng.integers(4)), period=rng.uniform(0.08, 0.3),
                phase=rng.uniform(0, 6.3, 4)))

    # --- rendering -------------------------------------------------------------------------
    def render(self, cam_z=0.0, time_s=0.0, rng=None):
        """Render the view from depth cam_z; returns RGB float image and class ids (ANOMALY too)."""
        rng = self.rng if rng is None else rng
        H, W, f, h = self.height, self.width, self.f, self.cam_h
        v = np.arange(H, dtype=np.float32)[:, None] + 0.5
        u = np.arange(W, dtype=np.float32)[None, :] + 0.5
        dv, du = v - self.v0, u - self.u0
        img = np.empty((H, W, 3), np.float32)
        lab = np.full((H, W), SKY, np.uint8)
        depth = np.full((H, W), np.inf, np.float32)

        # Facades: the plane |X| = road + walk seen by each column.
        edge = self.road + self.walk
        z_wall = f * edge / np.maximum(np.abs(du), 1e-3)  # (1, W)
        side = (du > 0).astype(np.int64).ravel()
        seg = np.empty((1, W), np.int64)
        params = np.empty((W, self.facades[0].shape[1]), np.float32)
        for s in (0, 1):
            table = self.facades[s]
            cols = side == s
            idx = np.clip(np.searchsorted(table[:, 0], z_wall[0, cols] + cam_z) - 1, 0, None)
            seg[0, cols] = idx
            params[cols] = table[idx]
        kind, top = params[:, 1][None], params[:, 2][None]
        wall_z_world = z_wall + cam_z
        treeline = kind == 1
        top = top + treeline * 1.2 * sample_texture(self.textures[0], wall_z_world * 4.0,
                                                    np.full_like(wall_z_world, 7.0))
        v_top = self.v0 + f * (h - top) / z_wall
        v_bot = self.v0 + f * h / z_wall
        wall = (v >= v_top) & (v < v_bot)
        ground = (dv > 0) & ~wall

        # Ground plane.
        zg = f * h / np.maximum(dv, 1e-3) * np.ones((1, W))
        xg = du * zg / f
        zw = zg + cam_z
        ax = np.abs(xg)
        road = ground & (ax <= self.road)
        lab[ground] = SIDEWALK
        lab[road] = ROAD
        depth[ground] = zg[ground]
        fine = sample_texture(self.textures[0], xg * 24, zw * 24)
        coarse = sample_texture(self.textures[2], xg * 3, zw * 3)
        asphalt = self.asphalt * (1 + 0.10 * fine + 0.12 * coarse)[..., None]
        lane_w = self.road / self.lanes
        lines = np.abs(ax - np.round(ax / lane_w) * lane_w) < 0.07
        dash = (zw % 9.0) < 4.0
        lines &= np.where(ax < 0.3 * lane_w, dash | (not self.dashed), dash)
        lines &= ax < self.road - 0.15
        lines |= (ax > self.road - 0.35) & (ax < self.road - 0.2)
        lines &= road
        img[road] = asphalt[road]
        img[lines] = (self.marking * (1 + 0.05 * fine[lines, None])).astype(np.float32)
        tiles = (np.minimum(np.abs(xg % 0.6 - 0.3), np.abs(zw % 0.6 - 0.3)) > 0.27)
        curb = ax < self.road + 0.25
        paving = self.paving * (1 + 0.07 * fine - 0.18 * tiles + 0.1 * curb)[..., None]
        walk = ground & ~road
        img[walk] = paving[walk]

        # Facade texture: buildings with windows, or a hedge of trees.
        wall_y = h - dv * z_wall / f  # height on the wall
        colours = params[:, 3:6][None]  # (1, W, 3)
        ntex = sample_texture(self.textures[1], wall_z_world * 6 * np.ones((H, 1)), wall_y * 6)
        bz = (wall_z_world % params[:, 6][None]) / params[:, 6][None]
        by = (wall_y % params[:, 7][None]) / params[:, 7][None]
        window = (np.abs(bz - 0.5) < params[:, 8][None] / 2) & (np.abs(by - 0.55) < 0.25)
        window &= (wall_y > 3.0) & (wall_y < top - 1.0) & ~treeline
        light = np.where(side[None, :] == (self.sun > 0), self.sunlit, self.shaded)
        building_rgb = colours * (1 + 0.08 * ntex)[..., None]
        glass = np.array([0.18, 0.22, 0.28], np.float32) * (1 + 0.6 * (1 - by))[..., None]
        building_rgb = np.where(window[..., None], glass, building_rgb)
        building_rgb = np.where((wall_y < 3.0)[..., None], building_rgb * 0.75, building_rgb)
        leaf = sample_texture(self.textures[0], wall_z_world * 18 * np.ones((H, 1)), wall_y * 18)
        tree_rgb = colours * (1 + 0.35 * leaf)[..., None]
        wall_rgb = np.where(treeline[..., None], tree_rgb, building_rgb) * light[..., None]
        img[wall] = wall_rgb[wall]
        lab[wall] = np.broadcast_to(np.where(treeline, VEGETATION, BUILDING), (H, W))[wall]
        depth[wall] = (z_wall * np.ones((H, 1)))[wall]

        # Sky: gradient plus clouds.
        sky = lab == SKY
        t = np.clip(v / max(self.v0, 1.0), 0, 1)
        sky_rgb = self.sky_top + (self.sky_horizon - self.sky_top) * t[..., None] ** 1.5
        clouds = np.clip(sample_texture(self.textures[2], u * 300 / W + cam_z * 0.2,
                                        v * 600 / H), 0, None)
        sky_rgb = sky_rgb + 0.25 * clouds[..., None] * (1 - sky_rgb)
        img[sky] = sky_rgb.astype(np.float32)[sky]

        # Haze over depth.
        haze = 1 - np.exp(-np.where(np.isfinite(depth), depth, 0) / self.fog)
        haze = np.where(np.isfinite(depth), haze, 0)[..., None]
        img = img * (1 - haze) + self.sky_horizon * haze

        # Sprites, far to near.
        live = []
        for sp in self.sprites:
            z = sp['z'] + sp.get('speed', 0.0) * time_s - cam_z
            if z > NEAR_PLANE:
                live.append((z, sp))
        for z, sp in sorted(live, key=lambda item: -item[0]):
            self._draw(img, lab, sp, z, u, v)

        # Light, blur, sensor noise.
        shade = 1 + 0.12 * sample_texture(self.textures[2], u * 60 / W, v * 60 / H)
        img = img * shade[..., None].astype(np.float32) * rng.uniform(0.8, 1.15)
        sigma = rng.uniform(0.35, 1.0)
        img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), sigma)
        img += rng.normal(0, rng.uniform(0.005, 0.02), img.shape).astype(np.float32)
        return np.clip(img, 0, 1), lab

    def _draw(self, img, lab, sp, z, u, v):
        """Paint one sprite standing at (x, z) into img/lab, within its bounding box."""
        f, h = self.f, self.cam_h
        scale = f / z
        half = 0.5 * sp['w'] * scale * (2.2 if sp['kind'] == 'tree' else 1.0)
        if sp['kind'] == 'pole' and sp['sign']:
            half = max(half, 1.1 * SIGN_RADIUS * scale)
        uc = self.u0 + sp['x'] * scale
        vg = self.v0 + h * scale
        top = vg - sp['h'] * scale
        c0, c1 = int(np.floor(uc - half)), int(np.ceil(uc + half)) + 1
        r0, r1 = int(np.floor(top)), int(np.ceil(vg)) + 1
        c0, r0 = max(c0, 0), max(r0, 0)
        c1, r1 = min(c1, self.width), min(r1, self.height)
        if c1 <= c0 or r1 <= r0:
            return
        # a: lateral position in half widths, b: height in metres above the ground.
        a = (u[:, c0:c1] - uc) / (0.5 * sp['w'] * scale)
        b = (vg - v[r0:r1]) / scale
        a, b = np.broadcast_arrays(a, b)
        parts = getattr(self, '_sprite_' + ('anomaly' if sp['kind'] in ANOMALY_KINDS
                                            else sp['kind']))(sp, a, b)
        haze = 1 - np.exp(-z / self.fog)
        box_img, box_lab = img[r0:r1, c0:c1], lab[r0:r1, c0:c1]
        for mask, rgb, cls in parts:
            if mask.any():
                rgb = np.broadcast_to(rgb, mask.shape + (3,))[mask]
                box_img[mask] = rgb * (1 - haze) + self.sky_horizon * haze
                box_lab[mask] = cls

    def _sprite_pole(self, sp, a, b):
        metal = np.array([0.45, 0.46, 0.48]) * (1.1 - 0.3 * np.abs(a))[..., None]
        parts = [((np.abs(a) <= 1) & (b >= 0) & (b <= sp['h']), metal, POLE)]
        if sp['sign']:
            x = a * 0.5 * sp['w'] / SIGN_RADIUS  # in sign radii
            y = (b - sp['h'] + 0.6) / SIGN_RADIUS if sp['h'] > sp['sign_h'] + 0.7 else \
                (b - sp['sign_h']) / SIGN_RADIUS
            r = np.sqrt(x * x + y * y)
            kind = sp['sign_kind']
            if kind == 0:  # red ring on white
                shape = r <= 1
                rgb = np.where((r > 0.75)[..., None], [0.8, 0.1, 0.1], [0.95, 0.95, 0.95])
            elif kind == 1:  # blue disk with a white arrow
                shape = r <= 1
                rgb = np.where(((np.abs(x) < 0.15) & (np.abs(y) < 0.6))[..., None],
                               [0.95, 0.95, 0.95], [0.1, 0.25, 0.7])
            else:  # yellow diamond
                shape = np.abs(x) + np.abs(y) <= 1.2
                rgb = np.where((np.abs(x) + np.abs(y) > 1.0)[..., None], [0.1, 0.1, 0.1],
                               [0.95, 0.8, 0.1])
            parts.append((shape, rgb, SIGN))
        return parts

    def _sprite_tree(self, sp, a, b):
        x = a * 0.5 * sp['w']  # metres
        trunk = (np.abs(x) < 0.12) & (b >= 0) & (b < 0.55 * sp['h'])
        ang = np.arctan2(b - 0.68 * sp['h'], x)
        p = sp['phase']
        radius = 1 + 0.12 * np.sin(3 * ang + p[0]) + 0.08 * np.sin(7 * ang + p[1])
        crown = ((x / (0.5 * sp['w']))**2 + ((b - 0.68 * sp['h']) / (0.33 * sp['h']))**2
                 ) <= radius**2
        leaf = sample_texture(self.textures[0], x * 20 + p[2] * 40, b * 20 + p[3] * 40)
        return [(trunk, np.array([0.30, 0.22, 0.15]), VEGETATION),
                (crown, sp['colour'] * (1 + 0.35 * leaf)[..., None], VEGETATION)]

    def _sprite_car(self, sp, a, b):
        hh = sp['h']
        shadow = (np.abs(a) <= 1.05) & (b >= -0.05) & (b < 0.04)
        body = (np.abs(a) <= 1) & (b >= 0.18) & (b < 0.55 * hh)
        body &= ~((np.abs(a) > 0.9) & (b > 0.5 * hh))  # rounded corners
        cabin_w = 0.86 - 0.25 * (b - 0.55 * hh) / (0.45 * hh)
        cabin = (np.abs(a) <= cabin_w) & (b >= 0.55 * hh) & (b <= hh)
        glass = cabin & (np.abs(a) <= cabin_w - 0.08) & (b <= 0.93 * hh) & (b >= 0.6 * hh)
        wheels = (np.abs(a) > 0.55) & (np.abs(a) < 0.95) & (b >= 0) & (b < 0.3)
        lights = (np.abs(a) > 0.68) & (np.abs(a) < 0.93) & (np.abs(b - 0.45 * hh) < 0.06)
        plate = (np.abs(a) < 0.25) & (np.abs(b - 0.33 * hh) < 0.06)
        paint = sp['colour'] * (1 + 0.15 * (b / hh - 0.5))[..., None]
        return [(shadow, np.array([0.05, 0.05, 0.06]), ROAD), (body, paint, CAR),
                (cabin, paint, CAR), (glass, np.array([0.12, 0.14, 0.18]), CAR),
                (wheels, np.array([0.04, 0.04, 0.04]), CAR),
                (lights, np.array([0.75, 0.05, 0.05]), CAR),
                (plate, np.array([0.92, 0.92, 0.88]), CAR)]

    def _sprite_person(self, sp, a, b):
        hh = sp['h']
        x = a * 0.5 * sp['w']
        head = (x**2 + (b - 0.92 * hh)**2) <= (0.075 * hh)**2
        torso = (np.abs(x) < 0.2 * sp['w'] / 0.55 * (1 - 0.2 * (b / hh - 0.5))) & \
            (b >= 0.48 * hh) & (b < 0.84 * hh)
        arms = (np.abs(np.abs(x) - 0.23) < 0.045) & (b >= 0.5 * hh) & (b < 0.82 * hh)
        legs = (np.abs(np.abs(x) - 0.09) < 0.065) & (b >= 0) & (b < 0.5 * hh)
        return [(legs, sp['legs'], PERSON), (torso | arms, sp['top'], PERSON),
                (head, sp['skin'], PERSON)]

    def _sprite_anomaly(self, sp, a, b):
        w, hh, p = sp['w'], sp['h'], sp['phase']
        x = a * 0.5 * w  # metres from the centre line
        kind = sp['kind']
        if kind == 'debris':
            ang = np.arctan2(b - 0.5 * hh, x / max(w / hh, 1e-3))
            radius = 1 + 0.25 * np.sin(2 * ang + p[0]) + 0.15 * np.sin(5 * ang + p[1])
            shape = ((x / (0.5 * w))**2 + ((b - 0.5 * hh) / (0.5 * hh))**2) <= radius**2 * 0.8
        elif kind == 'animal':
            body = ((x / (0.38 * w))**2 + ((b - 0.62 * hh) / (0.2 * hh))**2) <= 1
            head_x = 0.42 * w * (1 if p[0] > 3.1 else -1)
            head = (((x - head_x) / (0.13 * w))**2 + ((b - 0.8 * hh) / (0.12 * hh))**2) <= 1
            legs = np.zeros_like(body)
            for off in (-0.28, -0.15, 0.15, 0.28):
                legs |= (np.abs(x - off * w) < 0.035 * w + 0.02) & (b >= 0) & (b < 0.55 * hh)
            shape = body | head | legs
        elif kind == 'crate':
            shape = (np.abs(a) <= 1) & (b >= 0) & (b <= hh)
        elif kind == 'tyre':
            r = np.sqrt(x**2 + (b - 0.5 * hh)**2) / (0.5 * hh)
            shape = (r <= 1) & (r >= 0.55)
        else:  # barrel
            shape = (np.abs(a) <= 1) & (b >= 0) & (b <= hh)
        s, t = x / sp['period'], b / sp['period']
        pattern = sp['pattern']
        if pattern == 0:  # checkerboard
            two = ((np.floor(s) + np.floor(t)) % 2) == 0
        elif pattern == 1:  # stripes
            two = np.sin(s * 2.0 + t * 1.3) > 0
        elif pattern == 2:  # zebra-like wavy stripes
            two = np.sin(2.5 * s + 2.0 * np.sin(0.7 * t + p[2])) > 0
        else:  # dots
            two = ((s % 1 - 0.5)**2 + (t % 1 - 0.5)**2) < 0.09
        rgb = np.where(two[..., None], sp['colour'], sp['colour2'] * 0.6)
        if kind == 'tyre':
            rgb = np.broadcast_to(np.array([0.06, 0.06, 0.06]), two.shape + (3,))
        shade = (1 + 0.25 * sample_texture(self.textures[1], x * 30 + p[3] * 30, b * 30))
        return [(shape & (b >= 0), rgb * shade[..., None], ANOMALY)]


def render_labelled(scene, cam_z=0.0, time_s=0.0, rng=None):
    """Render a frame: 8-bit BGR image, trainId labels (anomaly ignored), anomaly mask labels."""
    img, lab = scene.render(cam_z, time_s, rng)
    bgr = np.ascontiguousarray((img[..., ::-1] * 255 + 0.5).astype(np.uint8))
    anomaly = lab == ANOMALY
    ood = anomaly.astype(np.uint8)
    ring = cv2.dilate(ood, np.ones((3, 3), np.uint8)).astype(bool) & ~anomaly
    ood[ring] = VOID  # pixels blended with the anomaly's border
    train_ids = lab.copy()
    train_ids[anomaly | ring] = VOID
    return bgr, train_ids, ood


def frame_rng(seed, split, index):
    return np.random.default_rng([seed, ('train', 'val', 'anomaly', 'sequence').index(split),
                                  index])


def write_png(path, array):
    ok, buf = cv2.imencode('.png', array)
    if not ok:
        raise RuntimeError(f'{path}: PNG encoding failed')
    with open(path, 'wb') as fh:
        fh.write(buf.tobytes())


def generate(out_dir, seed=0, height=256, width=512, num_train=300, num_val=50, num_anomaly=50,
             num_sequence=80, workers=None, progress=True):
    """Render the whole dataset into out_dir (created atomically). Returns the meta dict.

    If out_dir already holds a SynthRoad generated with the same parameters, nothing is done; if
    it holds anything else, a ValueError names it, and nothing is touched.
    """
    meta = dict(format_version=FORMAT_VERSION, seed=seed, height=height, width=width,
                num_train=num_train, num_val=num_val, num_anomaly=num_anomaly,
                num_sequence=num_sequence, classes=list(CLASSES),
                palette=[list(c) for c in PALETTE])
    for name in ('height', 'width'):
        if meta[name] < 32:
            raise InputError(f'--{name} must be at least 32 pixels, got {meta[name]}')
    for name in ('num_train', 'num_val', 'num_anomaly', 'num_sequence'):
        if meta[name] < 0:
            raise InputError(f'--{name.replace("_", "-")} must be >= 0, got {meta[name]}')
    meta_path = osp.join(out_dir, 'meta.json')
    check_output_writable(out_dir)
    if osp.exists(out_dir):
        if osp.isfile(meta_path):
            with open(meta_path) as fh:
                old = json.load(fh)
            if old == meta:
                return meta
            raise InputError(f'{out_dir} holds a SynthRoad made with other parameters '
                             f'({meta_path}); choose another --out-dir or remove it yourself')
        raise InputError(f'{out_dir} exists and is not a SynthRoad folder (no meta.json): '
                         'choose another --out-dir')
    with atomic_output_dir(out_dir) as tmp:
        jobs = [(tmp, meta, split, i) for split, n in (('train', num_train), ('val', num_val),
                                                       ('anomaly', num_anomaly),
                                                       ('sequence', num_sequence))
                for i in range(n)]
        workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
        start = time.time()
        with ProcessPoolExecutor(workers) as pool:
            for count, _ in enumerate(pool.map(_render_job, jobs, chunksize=8), 1):
                if progress and (count % 100 == 0 or count == len(jobs)):
                    print(f'synthroad: {count}/{len(jobs)} frames ({time.time() - start:.0f} s)',
                          flush=True)
        with open(osp.join(tmp, 'meta.json'), 'w') as fh:
            json.dump(meta, fh, indent=1)
    return meta


def _render_job(job):
    """Render and write frame i of a split; every frame draws from its own seeded generator."""
    root, meta, split, i = job
    seed, height, width = meta['seed'], meta['height'], meta['width']
    if split == 'sequence':  # one street, driven down at 5 m/s, 10 frames a second
        scene = Scene(frame_rng(seed, split, 0), height, width, sequence=True)
        n = meta['num_sequence']
        scene.add_anomalies(max(3, n // 12), z_range=(12.0, 12.0 + 0.5 * n))
        bgr, _, ood = render_labelled(scene, cam_z=0.5 * i, time_s=0.1 * i,
                                      rng=frame_rng(seed, split, i + 1))
        _write_anomaly(root, split, f'frame_{i:04d}', bgr, ood)
        return
    rng = frame_rng(seed, split, i)
    scene = Scene(rng, height, width)
    if split == 'anomaly':
        scene.add_anomalies(int(rng.integers(1, 4)))
        bgr, _, ood = render_labelled(scene)
        _write_anomaly(root, split, f'anomaly_{i:04d}', bgr, ood)
        return
    bgr, train_ids, _ = render_labelled(scene)
    stem = f'synthroad_{split}_{i:06d}'
    for sub, suffix, arr in (('leftImg8bit', 'leftImg8bit', bgr),
                             ('gtFine', 'gtFine_labelTrainIds', train_ids)):
        folder = osp.join(root, sub, split, 'synthroad')
        os.makedirs(folder, exist_ok=True)
        write_png(osp.join(folder, f'{stem}_{suffix}.png'), arr)


def _write_anomaly(root, split, stem, bgr, ood):
    for sub, name, arr in (('images', f'{stem}.png', bgr),
                           ('labels_masks', f'{stem}_labels_semantic.png', ood)):
        folder = osp.join(root, split, sub)
        os.makedirs(folder, exist_ok=True)
        write_png(osp.join(folder, name), arr)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Render the SynthRoad dataset.')
    parser.add_argument('--out-dir', default='data/synthroad')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--height', type=int, default=256)
    parser.add_argument('--width', type=int, default=512)
    parser.add_argument('--num-train', type=int, default=300)
    parser.add_argument('--num-val', type=int, default=50)
    parser.add_argument('--num-anomaly', type=int, default=50)
    parser.add_argument('--num-sequence', type=int, default=80)
    parser.add_argument('--workers', type=int, default=None,
                        help='processes to render with (default: one per CPU core)')
    return add_debug_argument(parser).parse_args(argv)


@cli('synthroad.py')
def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    generate(args.out_dir, args.seed, args.height, args.width, args.num_train, args.num_val,
             args.num_anomaly, args.num_sequence, args.workers)
    print(f'synthroad: dataset ready in {args.out_dir} ({time.time() - start:.1f} s)')


if __name__ == '__main__':
    main()

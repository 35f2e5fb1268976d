#version 150
// Stars as soft round point sprites on a far sphere, turning with the sky. Each is at
// least 3.2 pixels across (u_pixel_angle), so none shimmers by falling between pixels.
// What is one value per star (how many show, the twinkle, the horizon, the light) is worked
// out here, and a star that shows nothing is moved out of view, so no pixel is spent on it.
#include "celestial.glsl"
uniform mat4 p3d_ViewProjectionMatrix;
uniform vec3 u_eye;
uniform float u_pixel_angle;   // radians one pixel spans
uniform float u_stars;         // visibility for the time of day
uniform float u_star_amount;   // the look's `stars` setting: how many show
uniform float u_clock;
uniform float u_exposure;
uniform float u_star_horizon;  // where stars start to show (sine of the elevation)
in vec4 p3d_Vertex;            // direction on the unit sphere
in vec4 p3d_Color;
in vec4 p3d_MultiTexCoord0;    // seed, size (radians), brightness, twinkle phase
out vec3 v_color;

void main() {
    vec3 dir = turn(normalize(p3d_Vertex.xyz), -u_sky_turn);
    vec4 star = p3d_MultiTexCoord0;
    // stars come and go one by one as the setting moves, each fading in over a range
    float shown = smoothstep(star.x - 0.08, star.x, u_star_amount);
    // a slow, shallow twinkle: at most 10% either way, well under a second's flicker
    float twinkle = 1.0 + 0.10 * sin(u_clock * (0.6 + star.w) + star.w * 40.0);
    // stars stop at the horizon the environment sets (sine of its elevation): where its
    // land or the haze over it meets the sky, so none shows over something below the sky
    float horizon = smoothstep(u_star_horizon, u_star_horizon + 0.15, dir.z);
    float radius = max(star.y, u_pixel_angle * 1.6);
    // a star smaller than its sprite shows dimmer, not smaller (half-way to keeping energy,
    // so the faint ones still show on a small view)
    float light = shown * twinkle * horizon * u_stars * star.z * u_exposure * (star.y / radius);
    v_color = p3d_Color.rgb * light;
    if (light * max(p3d_Color.r, max(p3d_Color.g, p3d_Color.b)) < 0.5 / 255.0) {
        gl_Position = vec4(0.0, 0.0, 2.0, 1.0);   // beyond the far plane: clipped, never drawn
        gl_PointSize = 1.0;
        return;
    }
    gl_Position = p3d_ViewProjectionMatrix * vec4(u_eye + dir * 1400.0, 1.0);
    // as wide as a small disc across the line of sight looks there: larger off the middle
    // of a flat view (1 / cos per axis of the angle off it, and distance / depth is that)
    float off_axis = 1400.0 / max(gl_Position.w, 1.0);
    gl_PointSize = 2.0 * radius / u_pixel_angle * off_axis * sqrt(off_axis);
}

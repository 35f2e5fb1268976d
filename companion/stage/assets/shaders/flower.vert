#version 150
#define VERTEX_STAGE 1
#include "lib.glsl"
// Flowers as small round point sprites standing just above the grass, nodding in the wind.
// Each opens as the look's `flowers` passes its seed, so the meadow fills in gently; how far
// it is open and its light are one value per flower, worked out here, and a flower not
// open at all is moved out of view (no pixel is spent on it).
uniform mat4 p3d_ViewProjectionMatrix;
uniform float u_wind;
uniform float u_flowers;       // the look's `flowers`: how many show
uniform float u_pixel_angle;   // radians one pixel spans
in vec4 p3d_Vertex;
in vec4 p3d_Color;
in vec4 p3d_MultiTexCoord0;    // seed, size (radius, metres), unused, unused
out vec3 v_color;
out float v_shown;
out vec4 v_air;

void main() {
    vec3 center = p3d_Vertex.xyz;
    float seed = p3d_MultiTexCoord0.x;
    float shown = smoothstep(seed - 0.06, seed, u_flowers);
    if (shown < 0.02) {
        gl_Position = vec4(0.0, 0.0, 2.0, 1.0);   // beyond the far plane: clipped, never drawn
        gl_PointSize = 1.0;
        return;
    }
    center.x += 0.03 * u_wind * sin(u_clock * 0.9 + seed * 40.0 + center.y * 0.05);
    v_color = lit(p3d_Color.rgb, vec3(0.0, 0.0, 1.0), 0.8);
    v_shown = shown;
    v_air = air_to(center);
    gl_Position = p3d_ViewProjectionMatrix * vec4(center, 1.0);
    // as wide as a disc of the flower's size across the line of sight looks there (larger
    // off the middle of a flat view: distance / depth is 1 / cos of the angle off it)
    float dist = length(center - u_eye);
    float off_axis = dist / max(gl_Position.w, 1e-3);
    gl_PointSize = 2.0 * p3d_MultiTexCoord0.y / (dist * u_pixel_angle) * off_axis * sqrt(off_axis);
}

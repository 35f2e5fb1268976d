#version 150
#define VERTEX_STAGE 1
#include "lib.glsl"
// Flowers as small round sprites standing just above the grass, nodding in the wind. Each
// opens as the look's `flowers` passes its seed, so the meadow fills in gently; how far it
// is open and its light are one value per flower, worked out here, and a flower not open
// at all is moved out of view (no pixel is spent on it).
uniform mat4 p3d_ViewProjectionMatrix;
uniform float u_wind;
uniform float u_flowers;     // the look's `flowers`: how many show
in vec4 p3d_Vertex;
in vec3 p3d_Normal;          // corner, -1 or 1
in vec4 p3d_Color;
in vec4 p3d_MultiTexCoord0;  // seed, size, unused, unused
out vec2 v_corner;
out vec3 v_color;
out float v_shown;
out vec4 v_air;

void main() {
    vec3 center = p3d_Vertex.xyz;
    float seed = p3d_MultiTexCoord0.x;
    float shown = smoothstep(seed - 0.06, seed, u_flowers);
    if (shown < 0.02) {
        gl_Position = vec4(0.0, 0.0, 2.0, 1.0);   // beyond the far plane: clipped, never drawn
        return;
    }
    center.x += 0.03 * u_wind * sin(u_clock * 0.9 + seed * 40.0 + center.y * 0.05);
    vec3 view = normalize(center - u_eye);
    vec3 side = normalize(cross(view, vec3(0.0, 0.0, 1.0)));
    vec3 up = normalize(cross(side, view));
    float size = p3d_MultiTexCoord0.y;
    vec3 world = center + (side * p3d_Normal.x + up * p3d_Normal.y) * size;
    v_corner = p3d_Normal.xy;
    v_color = lit(p3d_Color.rgb, vec3(0.0, 0.0, 1.0), 0.8);
    v_shown = shown;
    v_air = air_to(world);
    gl_Position = p3d_ViewProjectionMatrix * vec4(world, 1.0);
}

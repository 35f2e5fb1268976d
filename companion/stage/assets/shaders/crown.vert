#version 150
#define VERTEX_STAGE 1
#include "lib.glsl"
// Far trees' crowns as round point sprites, lit as spheres: one vertex a crown instead of a
// few dozen triangles (on a software renderer each triangle costs setup on the main thread,
// and far away a crown is a few pixels across). The crown sways as sway.vert moves a plant;
// the sprite stands a little towards the viewer, so it covers the top of its own trunk.
// What is the same across a crown is worked out here: its air, the light through it, and
// the sun's and the sky's direction in the sprite's own frame (right, up, towards the viewer).
uniform mat4 p3d_ViewProjectionMatrix;
uniform float u_wind;
uniform float u_pixel_angle;   // radians one pixel spans
in vec4 p3d_Vertex;
in vec4 p3d_Color;
in vec4 p3d_MultiTexCoord0;    // seed, radius (metres), height above the tree's foot, unused
out vec3 v_color;
out vec3 v_through;  // light through the leaves with the sun behind the crown
out vec3 v_sun;      // the sun's direction in the sprite's frame
out vec3 v_up;       // straight up in the sprite's frame
out vec4 v_air;
out float v_seed;

void main() {
    vec3 center = p3d_Vertex.xyz;
    float seed = p3d_MultiTexCoord0.x * 6.2832;
    float radius = p3d_MultiTexCoord0.y;
    float h = p3d_MultiTexCoord0.z;
    float gust = 0.65 + 0.35 * sin(u_clock * 0.21 + center.x * 0.02 + center.y * 0.013);
    float bend = h * h * 0.002 * u_wind * gust;
    center.x += bend * sin(u_clock * 0.9 + seed + center.y * 0.05);
    center.y += bend * 0.5 * sin(u_clock * 0.67 + seed * 1.7);
    vec3 to = center - u_eye;
    float dist = length(to);
    vec3 view = to / dist;
    vec3 right = normalize(cross(view, vec3(0.0, 0.0, 1.0)));
    vec3 up = cross(right, view);
    v_sun = vec3(dot(right, u_sun_dir), dot(up, u_sun_dir), -dot(view, u_sun_dir));
    v_up = vec3(right.z, up.z, -view.z);
    v_through = u_light * (pow4(max(dot(view, u_sun_dir), 0.0)) * 0.48);
    v_color = p3d_Color.rgb;
    v_air = air_to(center);
    v_seed = p3d_MultiTexCoord0.x;
    gl_Position = p3d_ViewProjectionMatrix * vec4(center - view * (radius * 0.9), 1.0);
    // as wide as the crown looks at its distance (wider off the middle of a flat view)
    float off_axis = (dist - radius * 0.9) / max(gl_Position.w, 1e-3);
    gl_PointSize = 2.0 * radius / (dist * u_pixel_angle) * off_axis * sqrt(off_axis);
}

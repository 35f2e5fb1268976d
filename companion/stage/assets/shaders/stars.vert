#version 150
// Stars as soft round sprites on a far sphere, turning with the sky. Each is at least
// u_min_pixels across, so none shimmers by falling between pixels.
#include "celestial.glsl"
uniform mat4 p3d_ViewProjectionMatrix;
uniform vec3 u_eye;
uniform float u_pixel_angle;   // radians one pixel spans
in vec4 p3d_Vertex;            // direction on the unit sphere
in vec3 p3d_Normal;            // corner of the sprite (-1 or 1, -1 or 1)
in vec4 p3d_Color;
in vec4 p3d_MultiTexCoord0;    // seed, size (radians), brightness, twinkle phase
out vec2 v_corner;
out vec4 v_color;
out vec4 v_extra;
out float v_up;

void main() {
    vec3 dir = turn(normalize(p3d_Vertex.xyz), -u_sky_turn);
    vec3 side = normalize(cross(dir, vec3(0.0, 0.0, 1.0)) + vec3(1e-4, 0.0, 0.0));
    vec3 up = cross(side, dir);
    float radius = max(p3d_MultiTexCoord0.y, u_pixel_angle * 1.6);
    float far = 1400.0;
    vec3 world = u_eye + dir * far + (side * p3d_Normal.x + up * p3d_Normal.y) * radius * far;
    // a star smaller than its sprite shows dimmer, not smaller (half-way to keeping energy,
    // so the faint ones still show on a small view)
    v_color = p3d_Color * (p3d_MultiTexCoord0.y / radius);
    v_corner = p3d_Normal.xy;
    v_extra = p3d_MultiTexCoord0;
    v_up = dir.z;
    gl_Position = p3d_ViewProjectionMatrix * vec4(world, 1.0);
}

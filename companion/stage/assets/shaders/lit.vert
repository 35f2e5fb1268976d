#version 150
#define VERTEX_STAGE 1
#include "lib.glsl"
// Plain geometry: ground, rocks, walls. Passes world position, normal, colour and extras,
// and, worked out here because they change slowly across a surface: its light (v_lit, for
// a wrap of u_wrap) and the sky it mirrors when wet (v_mirrored). A fragment shader that
// does not read them costs nothing for them.
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
uniform float u_wrap;       // how far the key light wraps round (0 hard .. 1 soft)
in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec4 p3d_Color;
in vec4 p3d_MultiTexCoord0;
out vec3 v_world;
out vec4 v_air;
out vec3 v_normal;
out vec4 v_color;
out vec4 v_extra;
out vec3 v_lit;
out vec3 v_mirrored;

void main() {
    v_world = (p3d_ModelMatrix * p3d_Vertex).xyz;
    v_normal = mat3(p3d_ModelMatrix) * p3d_Normal;
    v_color = p3d_Color;
    v_extra = p3d_MultiTexCoord0;
    v_air = air_to(v_world);
    v_lit = light(normalize(v_normal), u_wrap);
    vec3 view = normalize(v_world - u_eye);
    v_mirrored = sky_reflected(vec3(view.xy, -view.z));
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
}

#version 150
#define VERTEX_STAGE 1
#include "lib.glsl"
// Plain geometry: ground, rocks, walls. Passes world position, normal, colour and extras.
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec4 p3d_Color;
in vec4 p3d_MultiTexCoord0;
out vec3 v_world;
out vec4 v_air;
out vec3 v_normal;
out vec4 v_color;
out vec4 v_extra;

void main() {
    v_world = (p3d_ModelMatrix * p3d_Vertex).xyz;
    v_normal = mat3(p3d_ModelMatrix) * p3d_Normal;
    v_color = p3d_Color;
    v_extra = p3d_MultiTexCoord0;
    v_air = air_to(v_world);
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
}

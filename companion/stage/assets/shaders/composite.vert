#version 150
// The compositor's full-view card: its 0..1 coordinates, interpolated without perspective
// (the card is square to the view, so it is the same picture, for less work per pixel).
uniform mat4 p3d_ModelViewProjectionMatrix;
in vec4 p3d_Vertex;
in vec2 p3d_MultiTexCoord0;
noperspective out vec2 v_uv;

void main() {
    v_uv = p3d_MultiTexCoord0;
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
}
